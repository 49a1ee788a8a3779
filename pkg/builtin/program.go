package builtin

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// A builtin image holds one program, /app, so that a container of it really
// runs: a learner's `docker run -d --name my-app …` stays up until `docker
// stop`, and `docker logs` says which release it is.
//
// The program is a static Linux ELF executable that academy writes itself,
// instruction by instruction, for the daemon's architecture (amd64 or
// arm64): a few hundred bytes, no libc, no toolchain at set-up time, the
// same bytes on every machine for the same message. It
//
//  1. blocks SIGINT and SIGTERM — a blocked signal is queued even for PID 1
//     of a container, which the kernel otherwise spares signals it has no
//     handler for, so `docker stop` ends it at once rather than after its
//     10 s grace period —
//  2. writes its message to standard output: whoever reads it can stop
//     the program,
//  3. waits for one of the two signals with rt_sigtimedwait, and exits 0.
//
// Set to fail, it writes its message to standard error and exits at once
// with its exit code.
//
// Other choices and why not: a Go program compiled at set-up time needs a
// Go toolchain the learner may not have; one compiled in advance and
// embedded weighs a megabyte per architecture and makes the build depend
// on a generated binary; busybox cannot be had offline.

// Program is what the builtin program does.
type Program struct {
	// Message is written once, at start; at most MaxMessage bytes.
	Message string
	// ExitCode, when not 0, makes the program write Message to standard
	// error and exit at once with this code: a release that crashes.
	ExitCode int
}

// MaxMessage bounds the program's message.
const MaxMessage = 4096

// Architectures academy writes the program for, as the image config names
// them (GOARCH).
var programArchs = []string{"amd64", "arm64"}

// Linux syscall numbers, per architecture.
type syscalls struct {
	write, sigprocmask, sigtimedwait, exitGroup uint32
}

var (
	amd64Syscalls = syscalls{write: 1, sigprocmask: 14, sigtimedwait: 128, exitGroup: 231}
	arm64Syscalls = syscalls{write: 64, sigprocmask: 135, sigtimedwait: 137, exitGroup: 94}
)

// sigMask is the kernel sigset with SIGINT (2) and SIGTERM (15): bit n-1
// for signal n.
const sigMask = 1<<(2-1) | 1<<(15-1)

// ELF layout: one PT_LOAD segment holding the whole file, mapped at base.
const (
	elfBase       = 0x400000
	elfHeaderSize = 64
	phdrSize      = 56
	codeOffset    = elfHeaderSize + phdrSize
)

// Executable returns the program for arch (amd64 or arm64) as an ELF
// executable file.
func (p Program) Executable(arch string) ([]byte, error) {
	if len(p.Message) > MaxMessage {
		return nil, fmt.Errorf("the program's message is longer than %d bytes", MaxMessage)
	}
	if p.ExitCode < 0 || p.ExitCode > 255 {
		return nil, fmt.Errorf("exit code %d: expected 0 to 255", p.ExitCode)
	}
	var (
		code    []byte
		machine uint16
		align   uint64
	)
	switch arch {
	case "amd64":
		code, machine, align = p.amd64(), 62, 0x1000 // EM_X86_64
	case "arm64":
		code, machine, align = p.arm64(), 183, 0x10000 // EM_AARCH64; 64 KiB pages exist
	default:
		return nil, fmt.Errorf("academy writes its program for amd64 and arm64, not %s", arch)
	}
	size := uint64(codeOffset + len(code))
	var b bytes.Buffer
	le := binary.LittleEndian
	put := func(v any) { _ = binary.Write(&b, le, v) }
	// ELF header.
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2 /* 64-bit */, 1 /* little endian */, 1 /* version */, 0 /* System V */})
	b.Write(make([]byte, 8))
	put(uint16(2)) // ET_EXEC
	put(machine)
	put(uint32(1))                    // version
	put(uint64(elfBase + codeOffset)) // entry
	put(uint64(elfHeaderSize))        // program headers
	put(uint64(0))                    // no section headers
	put(uint32(0))                    // flags
	put(uint16(elfHeaderSize))
	put(uint16(phdrSize))
	put(uint16(1)) // one program header
	put(uint16(64))
	put(uint16(0))
	put(uint16(0))
	// Program header: the whole file, readable and executable.
	put(uint32(1))     // PT_LOAD
	put(uint32(4 | 1)) // PF_R | PF_X
	put(uint64(0))     // offset
	put(uint64(elfBase))
	put(uint64(elfBase))
	put(size) // file size
	put(size) // memory size
	put(align)
	b.Write(code)
	return b.Bytes(), nil
}

// data is what follows the code: the signal mask (8 bytes), then the
// message.
func (p Program) data() []byte {
	d := binary.LittleEndian.AppendUint64(nil, sigMask)
	return append(d, p.Message...)
}

// amd64 is the program's x86-64 code and data. Addresses are
// RIP-relative, so the code does not depend on where it is loaded.
func (p Program) amd64() []byte {
	var c []byte
	sys := amd64Syscalls
	movEAX := func(v uint32) { c = append(append(c, 0xb8), le32(v)...) }
	movEDI := func(v uint32) { c = append(append(c, 0xbf), le32(v)...) }
	movEDX := func(v uint32) { c = append(append(c, 0xba), le32(v)...) }
	movR10D := func(v uint32) { c = append(append(c, 0x41, 0xba), le32(v)...) }
	syscall := func() { c = append(c, 0x0f, 0x05) }
	// lea reg, [rip+disp32]; the displacement is patched once the data's
	// place is known. reg: 6 = rsi, 7 = rdi.
	type fixup struct{ at, dataOffset int }
	var fixups []fixup
	lea := func(reg byte, dataOffset int) {
		c = append(c, 0x48, 0x8d, 0x05|reg<<3)
		fixups = append(fixups, fixup{len(c), dataOffset})
		c = append(c, 0, 0, 0, 0)
	}
	const maskAt, msgAt = 0, 8
	fd := uint32(1)
	if p.ExitCode != 0 {
		fd = 2
	}
	write := func() { // write(fd, message, len)
		movEAX(sys.write)
		movEDI(fd)
		lea(6, msgAt)
		movEDX(uint32(len(p.Message)))
		syscall()
	}
	if p.ExitCode != 0 {
		write()
		movEAX(sys.exitGroup)
		movEDI(uint32(p.ExitCode))
		syscall()
	} else {
		// rt_sigprocmask(SIG_BLOCK, &mask, NULL, 8), before the message:
		// whoever saw the message can stop the program.
		movEAX(sys.sigprocmask)
		c = append(c, 0x31, 0xff) // xor edi, edi
		lea(6, maskAt)
		c = append(c, 0x31, 0xd2) // xor edx, edx
		movR10D(8)
		syscall()
		write()
		// wait: rt_sigtimedwait(&mask, NULL, NULL, 8), again while it
		// fails (EINTR)
		wait := len(c)
		movEAX(sys.sigtimedwait)
		lea(7, maskAt)
		c = append(c, 0x31, 0xf6) // xor esi, esi
		c = append(c, 0x31, 0xd2) // xor edx, edx
		movR10D(8)
		syscall()
		c = append(c, 0x85, 0xc0)                      // test eax, eax
		c = append(c, 0x78, byte(int8(wait-len(c)-2))) // js wait
		// exit_group(0)
		movEAX(sys.exitGroup)
		c = append(c, 0x31, 0xff) // xor edi, edi
		syscall()
	}
	dataAt := len(c)
	for _, f := range fixups {
		// The displacement counts from the end of the instruction, which
		// ends with it.
		binary.LittleEndian.PutUint32(c[f.at:], uint32(int32(dataAt+f.dataOffset-(f.at+4))))
	}
	return append(c, p.data()...)
}

// arm64 is the program's AArch64 code and data; addresses come from ADR,
// relative to the instruction.
func (p Program) arm64() []byte {
	var c []byte
	sys := arm64Syscalls
	emit := func(ins uint32) { c = append(c, le32(ins)...) }
	movz := func(reg, v uint32) { emit(0xd2800000 | (v&0xffff)<<5 | reg) } // movz xREG, #v
	svc := func() { emit(0xd4000001) }                                     // svc #0
	type fixup struct{ at, dataOffset int }
	var fixups []fixup
	adr := func(reg uint32, dataOffset int) { // adr xREG, data+dataOffset
		fixups = append(fixups, fixup{len(c), dataOffset})
		emit(0x10000000 | reg)
	}
	const maskAt, msgAt = 0, 8
	fd := uint32(1)
	if p.ExitCode != 0 {
		fd = 2
	}
	write := func() {
		movz(8, sys.write)
		movz(0, fd)
		adr(1, msgAt)
		movz(2, uint32(len(p.Message)))
		svc()
	}
	if p.ExitCode != 0 {
		write()
		movz(8, sys.exitGroup)
		movz(0, uint32(p.ExitCode))
		svc()
	} else {
		movz(8, sys.sigprocmask)
		movz(0, 0) // SIG_BLOCK
		adr(1, maskAt)
		movz(2, 0)
		movz(3, 8)
		svc()
		write()
		wait := len(c)
		movz(8, sys.sigtimedwait)
		adr(0, maskAt)
		movz(1, 0)
		movz(2, 0)
		movz(3, 8)
		svc()
		// tbnz x0, #63, wait: again while it fails (EINTR)
		imm14 := uint32((wait-len(c))/4) & 0x3fff
		emit(0xb6000000 | 1<<24 | 31<<19 | imm14<<5 | 0)
		movz(8, sys.exitGroup)
		movz(0, 0)
		svc()
	}
	dataAt := len(c)
	for _, f := range fixups {
		off := uint32(dataAt + f.dataOffset - f.at)
		ins := binary.LittleEndian.Uint32(c[f.at:])
		ins |= (off&3)<<29 | ((off>>2)&0x7ffff)<<5
		binary.LittleEndian.PutUint32(c[f.at:], ins)
	}
	return append(c, p.data()...)
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
