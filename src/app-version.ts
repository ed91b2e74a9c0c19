// Signet's version: the one /healthz and the API index say, and `signet --version`.
export const VERSION = '4.0.0'
