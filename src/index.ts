// The Worker entry: Signet's Hono app as the default export.
import { app } from './app'

export default app
