// `signet(env.SIGNET)`: Signet's RPC binding for callers who prefer exceptions to results. Each
// method answers the value, or throws the SignetError the typed HTTP client would (its code,
// status and issues). Runs in the calling Worker; holds nothing of Signet's.
import type { RpcResult, SignetRpcMethods } from './api'
import { SignetError } from './client'
import { ERROR_STATUS } from './errors'

/** The binding's methods, answering values and throwing SignetError. */
export type SignetBinding = {
  [K in keyof SignetRpcMethods]: SignetRpcMethods[K] extends (
    ...args: infer A
  ) => Promise<RpcResult<infer V>>
    ? (...args: A) => Promise<V>
    : never
}

/** What `signet()` takes: a service binding to the `SignetRpc` entrypoint (`Service<SignetRpc>`). */
export type SignetService = {
  [K in keyof SignetRpcMethods]: (...args: Parameters<SignetRpcMethods[K]>) => Promise<unknown>
}

export function signet(binding: SignetService): SignetBinding {
  const call =
    (name: keyof SignetRpcMethods) =>
    async (...args: unknown[]): Promise<unknown> => {
      const method = binding[name] as (...args: unknown[]) => Promise<RpcResult<unknown>>
      const result = await method.apply(binding, args)
      if (result.ok) return result.value
      const { code, message, issues } = result.error
      throw new SignetError(ERROR_STATUS[code], code, message, undefined, issues)
    }
  return new Proxy({} as SignetBinding, {
    get: (_, name) => (typeof name === 'string' ? call(name as keyof SignetRpcMethods) : undefined),
  })
}
