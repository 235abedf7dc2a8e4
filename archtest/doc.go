// Package archtest holds the tests that keep the layering and the size of functions honest: the
// import rules of the packages' READMEs (imports_test.go) and the length of handlers and other
// functions (funclen_test.go). It has no code of its own.
package archtest
