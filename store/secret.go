package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// NewSecret returns a fresh 256-bit random value as URL-safe base64 text and its SHA-256, the
// only form in which tokens, session ids and device secrets are stored.
func NewSecret() (secret string, hash []byte, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, fmt.Errorf("read random bytes: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashSecret(secret), nil
}

// HashSecret returns the SHA-256 of a token, session id or device secret. The inputs are
// high-entropy random values, so a fast unsalted hash is safe and cheap enough for every fix.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
