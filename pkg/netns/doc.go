// Package netns creates, opens, enters and deletes named Linux network
// namespaces without shelling out to ip(8).
//
// A named namespace is a bind mount of a namespace file under Dir
// (/run/netns), exactly as "ip netns add" makes it, so that "ip netns list"
// and "ip netns exec" see it. Code runs inside a namespace through Do, which
// uses a dedicated, locked OS thread and never moves the caller's thread.
//
// Importing this package locks the main goroutine to the main thread
// (runtime.LockOSThread in init), so the Go runtime can never park the main
// thread inside a namespace.
//
// Off Linux every call fails with ErrUnsupported, so that the packages
// built on it still build and vet there.
package netns
