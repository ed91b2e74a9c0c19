// http_ece ships no types: the two calls the tests make.
declare module 'http_ece' {
  type Params = { version: 'aes128gcm'; key: string; rs?: number; salt?: string }
  const ece: {
    encrypt(buffer: Buffer, params: Params): Buffer
    decrypt(buffer: Buffer, params: Params): Buffer
  }
  export default ece
}
