/** Builds dist/ (the CLI, signet/client and its declarations); answers the directory. */
export function buildPackage(): Promise<string>
