// A Google service-account key file made for a test run (a fresh RSA key, nothing of Google's):
// GCS buckets sign GOOG4 with it offline, and Google's own signer can sign with it too.
import { generateKeyPairSync } from 'node:crypto'

export function newServiceAccount() {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  return {
    type: 'service_account',
    project_id: 'signet-test',
    private_key_id: '0123456789abcdef',
    private_key: privateKey,
    client_email: 'signer@signet-test.iam.gserviceaccount.com',
    client_id: '100000000000000000001',
    token_uri: 'https://oauth2.googleapis.com/token',
  }
}
