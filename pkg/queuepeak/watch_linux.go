package queuepeak

import (
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// hook is the tracepoint the program runs at: sock_def_readable fires it
// with the socket as its argument, and __netlink_sendskb calls that
// (sk_data_ready) after each message it queued on a netlink socket
// (broadcast, unicast or dump), whose truesize netlink_skb_set_owner_r
// charged to the socket before.
const hook = "sk_data_ready"

// Reading is what the program saw since the last Reset.
type Reading struct {
	// Peak is the largest sk_rmem_alloc a queued message left: the
	// queue's high-water mark in truesize bytes, this message included.
	Peak uint64 `json:"peak"`
	// Queued counts the messages (skbs) queued on the socket.
	Queued uint64 `json:"queued"`
}

// slot is the program's per-CPU value; the order of its fields is the
// program's (Peak at 0, Queued at 8).
type slot struct {
	Peak   uint64
	Queued uint64
}

// Watcher watches one socket's queue until Close.
type Watcher struct {
	mu    sync.Mutex
	slots *ebpf.Map
	prog  *ebpf.Program
	link  link.Link
}

// Watch starts watching the netlink socket with port id portid in the
// network namespace whose inode number is netns (the socket of
// sock_diag's answer and the namespace's /proc/PID/ns/net inode).
func Watch(netns uint64, portid uint32) (*Watcher, error) {
	if netns == 0 || netns > 1<<32-1 {
		return nil, fmt.Errorf("watch netlink socket %d: namespace inode %d out of range", portid, netns)
	}
	o, err := kernelOffsets()
	if err != nil {
		return nil, fmt.Errorf("watch netlink socket %d: %w", portid, err)
	}
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; later ones
	// ignore it.
	_ = rlimit.RemoveMemlock()
	w := &Watcher{}
	w.slots, err = ebpf.NewMap(&ebpf.MapSpec{Name: "nls_qpeak", Type: ebpf.PerCPUArray, KeySize: 4, ValueSize: 16, MaxEntries: 1})
	if err != nil {
		return nil, fmt.Errorf("watch netlink socket %d: map: %w", portid, err)
	}
	w.prog, err = ebpf.NewProgram(&ebpf.ProgramSpec{
		Name: "nls_qpeak", Type: ebpf.RawTracepoint,
		Instructions: program(o, uint32(netns), portid, w.slots.FD()), License: "GPL",
	})
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("watch netlink socket %d: load the program for %s: %w", portid, hook, err)
	}
	if w.link, err = link.AttachRawTracepoint(link.RawTracepointOptions{Name: hook, Program: w.prog}); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch netlink socket %d: attach to tracepoint %s: %w", portid, hook, err)
	}
	return w, nil
}

// program is the watcher's program: for a message queued on the socket
// with port id portid in namespace netns, it raises the CPU's peak to the
// socket's sk_rmem_alloc and counts the message. Every read of kernel
// memory goes through bpf_probe_read_kernel, so a structure the offsets
// misread cannot fault.
func program(o offsets, netns, portid uint32, slots int) asm.Instructions {
	read := func(size int32, stack int16, base asm.Register, off uint32) asm.Instructions {
		return asm.Instructions{
			asm.Mov.Reg(asm.R1, asm.RFP),
			asm.Add.Imm(asm.R1, int32(stack)),
			asm.Mov.Imm(asm.R2, size),
			asm.Mov.Reg(asm.R3, base),
			asm.Add.Imm(asm.R3, int32(off)),
			asm.FnProbeReadKernel.Call(),
			asm.JNE.Imm(asm.R0, 0, "out"),
		}
	}
	// wordIs reads the 4 bytes at base+off and goes out unless they are
	// want.
	wordIs := func(base asm.Register, off, want uint32) asm.Instructions {
		return append(read(4, -8, base, off),
			asm.LoadMem(asm.R1, asm.RFP, -8, asm.Word),
			asm.LoadImm(asm.R2, int64(want), asm.DWord),
			asm.JNE.Reg(asm.R1, asm.R2, "out"),
		)
	}
	var p asm.Instructions
	p = append(p, asm.LoadMem(asm.R6, asm.R1, 0, asm.DWord)) // the socket: the tracepoint's first argument
	// Every socket's data_ready fires the tracepoint: netlink ones only.
	p = append(p, read(2, -8, asm.R6, o.family)...)
	p = append(p,
		asm.LoadMem(asm.R1, asm.RFP, -8, asm.Half),
		asm.JNE.Imm(asm.R1, unix.AF_NETLINK, "out"),
	)
	p = append(p, wordIs(asm.R6, o.portid, portid)...)
	p = append(p, read(8, -16, asm.R6, o.net)...)
	p = append(p, asm.LoadMem(asm.R7, asm.RFP, -16, asm.DWord))
	p = append(p, wordIs(asm.R7, o.inum, netns)...)
	p = append(p, read(4, -8, asm.R6, o.rmem)...)
	p = append(p,
		asm.LoadMem(asm.R7, asm.RFP, -8, asm.Word),
		asm.StoreImm(asm.RFP, -4, 0, asm.Word),
		asm.LoadMapPtr(asm.R1, slots),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "out"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.JGE.Reg(asm.R1, asm.R7, "count"),
		asm.StoreMem(asm.R0, 0, asm.R7, asm.DWord),
		asm.LoadMem(asm.R1, asm.R0, 8, asm.DWord).WithSymbol("count"),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 8, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("out"),
		asm.Return(),
	)
	return p
}

// Read is what the program saw since the last Reset (or Watch): the
// highest peak of any CPU and the messages of all.
func (w *Watcher) Read() (Reading, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.read()
}

// Reset returns what the program saw since the last Reset and starts
// again from nothing: one reading per measuring window. A message queued
// between the two steps counts in neither reading's Queued.
func (w *Watcher) Reset() (Reading, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	r, err := w.read()
	if err != nil {
		return r, err
	}
	n, err := ebpf.PossibleCPU()
	if err != nil {
		return r, fmt.Errorf("reset the queue's peak: %w", err)
	}
	if err := w.slots.Update(uint32(0), make([]slot, n), ebpf.UpdateAny); err != nil {
		return r, fmt.Errorf("reset the queue's peak: %w", err)
	}
	return r, nil
}

// read sums the CPUs' slots; w.mu is held.
func (w *Watcher) read() (Reading, error) {
	if w.slots == nil {
		return Reading{}, fmt.Errorf("read the queue's peak: %w", os.ErrClosed)
	}
	var per []slot
	if err := w.slots.Lookup(uint32(0), &per); err != nil {
		return Reading{}, fmt.Errorf("read the queue's peak: %w", err)
	}
	var r Reading
	for _, s := range per {
		r.Peak = max(r.Peak, s.Peak)
		r.Queued += s.Queued
	}
	return r, nil
}

// Close detaches the program and frees it; it is idempotent.
func (w *Watcher) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var errs []error
	if w.link != nil {
		errs = append(errs, w.link.Close())
		w.link = nil
	}
	if w.prog != nil {
		errs = append(errs, w.prog.Close())
		w.prog = nil
	}
	if w.slots != nil {
		errs = append(errs, w.slots.Close())
		w.slots = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stop watching the queue: %w", err)
	}
	return nil
}
