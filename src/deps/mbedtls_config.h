/*
 * mbedtls_config.h: the TLS that sidelog needs, and nothing more.
 *
 * A TLS 1.2 and 1.3 client talking to log backends: ECDHE key exchange,
 * AES-GCM and ChaCha20-Poly1305, RSA (PKCS#1 v1.5 and PSS, which TLS 1.3
 * requires) and ECDSA certificates, X.509 and PEM parsing for CA bundles
 * and client certificates.  No server side, no DTLS, no renegotiation,
 * no CBC or static-RSA suites, no file I/O (sidelog reads its own files
 * so that it can tell when a Secret changed).  Everything left out is
 * code a compromised or buggy peer can no longer reach, and bytes the
 * static binary does not carry.
 */
#ifndef SIDELOG_MBEDTLS_CONFIG_H
#define SIDELOG_MBEDTLS_CONFIG_H

/* Platform: Linux, x86_64 or arm64; time for certificate validity. */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_DEPRECATED_REMOVED

/* Randomness: getrandom(2) through the default entropy poll. */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* Symmetric ciphers and AEADs. */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AESNI_C
#define MBEDTLS_AESCE_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C

/* Hashes, HMAC and HKDF (the TLS 1.3 key schedule). */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C

/* Public keys: RSA and elliptic curves, as CAs issue them today. */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C

/* Certificates: DER and PEM, CA bundles, client certificates. */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* PSA: TLS 1.3 in mbedtls 3.6 runs its key schedule through it. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_USE_PSA_CRYPTO
/* PSA would otherwise copy every record's buffers on the heap, per call,
 * to guard against callers sharing them across threads: sidelog has one
 * thread and owns its buffers (measured: most of the mmap churn). */
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS

/* TLS: client, 1.2 and 1.3, ephemeral key exchange only. */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

/* Readable errors: a failed handshake must say why (SPEC). */
#define MBEDTLS_ERROR_C

#endif
