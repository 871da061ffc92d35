/** Inode, size and modification time, as one string: an atomic write gives a new inode, an append a new size. */
export const fileStamp = (stats: { ino: number; size: number; mtimeMs: number } | null): string => (stats ? `${stats.ino}:${stats.size}@${stats.mtimeMs}` : '-');
