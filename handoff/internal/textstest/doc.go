// Package textstest holds test fixtures built from the texts: the golden
// documents and benchmark documents the renderer tests share.
package textstest
