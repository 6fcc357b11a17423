// Gatun's created-init waiter, aarch64 Linux: see waiter_x86_64.S for what it does.
// The bytes embedded in InitWaiter.java come from:
//   aarch64-linux-gnu-as -o x.o waiter_aarch64.S && aarch64-linux-gnu-objcopy -O binary -j .text x.o x.bin
// InitWaiterCodeTest re-assembles this file and compares the bytes.

        .text
        .globl _start
_start:
        ldr     x19, [sp]               // argc
        add     x20, sp, #8             // argv
        add     x21, x20, x19, lsl #3
        add     x21, x21, #8            // envp: after argv's NULL

        ldr     w0, dirfd               // openat(dirfd, "exec.fifo", O_WRONLY|O_CLOEXEC, 0)
        adr     x1, fifo
        movz    x2, #0x1
        movk    x2, #0x8, lsl #16
        mov     x3, #0
        mov     x8, #56
        svc     #0
        tbnz    x0, #63, fail
        mov     x22, x0
        ldr     w0, dirfd               // close(dirfd): the command never sees the host's directory
        mov     x8, #57
        svc     #0

        ldr     x0, [x20]               // execve(argv[0], argv + 1, envp)
        add     x1, x20, #8
        mov     x2, x21
        mov     x8, #221
        svc     #0

        neg     w9, w0                  // write(fifo, &errno, 4)
        str     w9, [sp, #-16]!
        mov     x0, x22
        mov     x1, sp
        mov     x2, #4
        mov     x8, #64
        svc     #0
fail:
        mov     x0, #127                // exit_group(127)
        mov     x8, #94
        svc     #0
        udf     #0

        .balign 4
dirfd:  .word   0                       // patched: the state directory's fd
fifo:   .asciz  "exec.fifo"
