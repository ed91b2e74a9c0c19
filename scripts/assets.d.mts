/** Builds public/ (the static assets); answers the directory. */
export function buildAssets(): Promise<string>
export const PUBLIC_DIR: string
