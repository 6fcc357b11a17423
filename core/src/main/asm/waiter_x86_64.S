# Gatun's created-init waiter, x86-64 Linux: the whole program of a tiny static ELF
# (dev/gatun/core/spawn/InitWaiter.java wraps these bytes in an ELF header).
# The bytes embedded in InitWaiter.java come from:
#   as --64 -o x.o waiter_x86_64.S && objcopy -O binary -j .text x.o x.bin
# InitWaiterCodeTest re-assembles this file and compares the bytes.
#
# A container made by `gatun create` execs this program as its last step before the command:
# a fresh address space of one page instead of the creating JVM's, which may then exit.
#
#   argv: the command's resolved path, then the command's argv; envp: the command's environment
#   dirfd (patched by Java): an fd of the container's state directory (O_PATH, without
#   O_CLOEXEC, so that it survives the exec into this program)
#
# 1. openat(dirfd, "exec.fifo", O_WRONLY|O_CLOEXEC): blocks until `gatun start` opens the
#    FIFO for reading (the created state: no other process, no JVM); then close(dirfd).
# 2. execve(argv[0], argv + 1, envp): on success the FIFO's write end closes (O_CLOEXEC) and
#    start reads end of file.
# 3. On failure: write the errno (4 bytes, native order) to the FIFO for start to report,
#    exit_group(127). A failed open exits 127 at once.

        .intel_syntax noprefix
        .text
        .globl _start
_start:
        mov     r12, [rsp]              # argc
        lea     r13, [rsp+8]            # argv
        lea     r14, [r13+r12*8+8]      # envp: after argv's NULL

        mov     eax, 257                # openat(dirfd, "exec.fifo", O_WRONLY|O_CLOEXEC, 0)
        mov     edi, [rip+dirfd]
        lea     rsi, [rip+fifo]
        mov     edx, 0x80001
        xor     r10d, r10d
        syscall
        test    rax, rax
        js      fail
        mov     r15, rax
        mov     eax, 3                  # close(dirfd): the command never sees the host's directory
        mov     edi, [rip+dirfd]
        syscall

        mov     eax, 59                 # execve(argv[0], argv + 1, envp)
        mov     rdi, [r13]
        lea     rsi, [r13+8]
        mov     rdx, r14
        syscall

        neg     eax                     # write(fifo, &errno, 4)
        push    rax
        mov     eax, 1
        mov     rdi, r15
        mov     rsi, rsp
        mov     edx, 4
        syscall
fail:
        mov     eax, 231                # exit_group(127)
        mov     edi, 127
        syscall
        ud2

        .balign 4
dirfd:  .long   0                       # patched: the state directory's fd
fifo:   .asciz  "exec.fifo"
