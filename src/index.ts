// The Worker entry: Signet's Hono app as the default export, and the RPC entrypoint for
// service bindings.
import { app } from './app'

export { SignetRpc } from './rpc'
export { ShareObject } from './share/object'
export default app
