// Package words holds small ASCII and word helpers the core, the reader and
// the texts share.
package words
