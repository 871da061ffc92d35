/**
 * project.json's defaults: what each field is when the file leaves it out. The one place they
 * are written; the validated config (config.ts), the fast hooks' light reads and the gate take
 * them from here. No imports beyond the machine's own default, so every path can load it.
 */
import { DEFAULT_MAX_RETRIES } from '../../machines/features.js';

export const DEFAULTS = {
  timeout_seconds: { health_check: 5, smoke_test: 60, full_test: 300 },
  max_retries: DEFAULT_MAX_RETRIES,
  checkpoint_interval_seconds: 300,
  health_check_reuse_seconds: 600,
  commit_after_feature: true,
  commit_on_end: false,
  commit_max_files: 200,
  lease_seconds: 600,
  protected_paths: ['src/**'] as readonly string[],
} as const;
