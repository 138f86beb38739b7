const GIB = 1024 ** 3;

/** `4.7 GB` style sizes for model files and memory. */
export function formatBytes(bytes: number): string {
	return bytes >= GIB ? `${(bytes / GIB).toFixed(1)} GB` : `${Math.round(bytes / 1024 ** 2)} MB`;
}

/** `7.6B` style parameter counts. */
export function formatParameters(count: number): string {
	return count >= 1e9 ? `${(count / 1e9).toFixed(1)}B` : `${Math.round(count / 1e6)}M`;
}
