// A one-package npm registry on 127.0.0.1: the packument and the tarball of baton as packed
// here. With npm pointed at it (npm_config_registry), the repository's own marketplace.json
// (plugin source: the npm package) installs the plugin as it would from the public registry.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

/** `packageJson`: the packed package.json (name, version, bin, ...). */
export function startFakeRegistry(tarball, packageJson) {
  const bytes = readFileSync(tarball);
  const file = path.basename(tarball);
  const dist = { shasum: createHash('sha1').update(bytes).digest('hex'), integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}` };
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const base = `http://127.0.0.1:${server.address().port}`;
    if (req.url === `/-/${file}`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes.length });
      return res.end(bytes);
    }
    if (decodeURIComponent(req.url.split('?')[0]) === `/${packageJson.name}`) {
      const version = { ...packageJson, dist: { ...dist, tarball: `${base}/-/${file}` } };
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ name: packageJson.name, 'dist-tags': { latest: packageJson.version }, versions: { [packageJson.version]: version } }));
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: `fake registry: no ${req.url}` }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, requests, close: () => new Promise((done) => server.close(done)) }));
  });
}
