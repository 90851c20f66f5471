/**
 * An X.509 device's certificate and private key, checked before a connection uses them: TLS would otherwise
 * fail deep inside the SDK with OpenSSL's own words ("key values mismatch"). Each answer is one line naming
 * the file (as the caller names it: a path, or `--key <path>`) and never shows what the files hold.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';

export interface PemInput {
  pem: string;
  /** How the user gave the file: its path, or `--cert <path>`. */
  name: string;
}

/** Why `cert` and `key` cannot be used together, or undefined when `key` is `cert`'s private key. */
export function keyPairProblem(cert: PemInput, key: PemInput): string | undefined {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert.pem);
  } catch {
    return `${cert.name} is not a PEM certificate (-----BEGIN CERTIFICATE-----): give the device's certificate.`;
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key.pem);
  } catch (err) {
    const encrypted = /passphrase/i.test((err as Error).message);
    return encrypted
      ? `${key.name} is an encrypted private key: give it unencrypted (openssl pkey -in <file> -out <new file>).`
      : `${key.name} is not a PEM private key (-----BEGIN PRIVATE KEY-----): give the device's key.`;
  }
  if (!certificate.checkPrivateKey(privateKey)) return `${key.name} is not the private key of the certificate ${cert.name}: give the key made with that certificate.`;
  return undefined;
}
