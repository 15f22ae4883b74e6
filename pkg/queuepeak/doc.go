// Package queuepeak measures, in the kernel, the high-water mark of one
// netlink socket's receive queue.
//
// Whether a storm overruns a socket is decided by its queue: the kernel
// refuses a message when the truesize already queued, with the message's
// own, would pass the socket's receive buffer (net/netlink/af_netlink.c,
// netlink_broadcast_deliver). The queue's peak over a flap, read at a
// buffer large enough to lose nothing, is therefore the smallest buffer
// that flap would not have lost at. Sampling the queue through sock_diag
// every few milliseconds misses the peak between two samples; this
// package reads it where it happens.
//
// An eBPF program on the sock:sk_data_ready tracepoint, which fires once
// for every message queued on a netlink socket, after its truesize was
// charged to the socket, compares the socket's sk_rmem_alloc with the
// highest seen so far, for one socket only: the one with the given port
// id in the given network namespace. The structure offsets come from the
// running kernel's BTF, so the program needs no compiler and no headers.
// It needs root (CAP_BPF and CAP_PERFMON), a kernel with BTF
// (CONFIG_DEBUG_INFO_BTF) and that tracepoint (6.6 and later), and costs
// every socket's data-ready of the host one short program run (a few
// loads for sockets that are not netlink ones). A raw tracepoint rather
// than a kprobe or fentry on __netlink_sendskb: kernels built without
// kprobes or the function tracer (this workplace's 6.18 is one) have
// neither, and tracepoints need no tracefs.
package queuepeak
