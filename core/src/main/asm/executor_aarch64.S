// Gatun's syscall-program executor, AArch64 Linux, AAPCS64. Same ctx and step layout as
// executor_x86_64.S (read that file's header). The bytes embedded in
// dev/gatun/core/spawn/ExecutorCode.java come from:
//   aarch64-linux-gnu-as -o a.o executor_aarch64.S && aarch64-linux-gnu-objcopy -O binary -j .text a.o a.bin
// ExecutorCodeTest compares them; ExecutorRunTest runs them under qemu-aarch64-static.
//
//   long gatun_spawn(struct ctx *ctx);       // x0 = ctx
//
// Syscall ABI: number in x8, arguments x0..x5, `svc #0`, result in x0; the kernel
// preserves every other register. The parent path uses only caller-saved x0-x10
// and restores sp. The child never returns and never touches sp.
        .text
        .globl  gatun_spawn
        .type   gatun_spawn, %function
gatun_spawn:
        hint    #34                     // bti c: BTI landing pad (NOP without BTI)
        mov     x9, x0                  // x9 = ctx, survives svc and clone
        sub     sp, sp, #16             // old-mask slot; sp stays 16-byte aligned
        mov     x0, #2                  // rt_sigprocmask(SIG_SETMASK, &ctx->mask, &old, 8)
        add     x1, x9, #80
        mov     x2, sp
        mov     x3, #8
        mov     x8, #135
        svc     #0
        ldr     x8, [x9]                // the clone call, as data
        ldp     x0, x1, [x9, #8]
        ldp     x2, x3, [x9, #24]
        ldp     x4, x5, [x9, #40]
        svc     #0
        cbz     x0, child
        mov     x10, x0                 // parent: x0 = pid or -errno
        mov     x0, #2                  // rt_sigprocmask(SIG_SETMASK, &old, NULL, 8)
        mov     x1, sp
        mov     x2, #0
        mov     x3, #8
        mov     x8, #135
        svc     #0
        mov     x0, x10
        add     sp, sp, #16
        ret

child:
        mov     x19, x9                 // ctx
        ldr     x20, [x19, #56]         // current step
        ldr     x21, [x19, #64]         // n
        mov     x22, #0                 // i
next:
        cmp     x22, x21
        b.hs    finished
        ldr     x23, [x20, #72]         // indirect mask
        ldp     x8, x0, [x20]           // nr, a0
        ldp     x1, x2, [x20, #16]
        ldp     x3, x4, [x20, #32]
        ldr     x5, [x20, #48]
        tbz     x23, #0, 1f
        ldr     x0, [x0]
1:      tbz     x23, #1, 1f
        ldr     x1, [x1]
1:      tbz     x23, #2, 1f
        ldr     x2, [x2]
1:      tbz     x23, #3, 1f
        ldr     x3, [x3]
1:      tbz     x23, #4, 1f
        ldr     x4, [x4]
1:      tbz     x23, #5, 1f
        ldr     x5, [x5]
1:      svc     #0
        ldr     x9, [x20, #64]          // optional result slot
        cbz     x9, 1f
        str     x0, [x9]
1:      cmn     x0, #4095               // carry set <=> x0 in [-4095,-1]
        b.hs    error
        ldr     x10, [x20, #88]         // flags
        tbz     x10, #0, 2f
        ldr     x11, [x20, #80]
        cmp     x0, x11
        b.ne    mismatch
2:      tbz     x10, #1, ok
        cbz     x0, ok                  // fork step: the new task continues
        mov     x0, #0                  // fork step: the caller leaves
        mov     x8, #94                 // exit_group(0)
        svc     #0
ok:     add     x20, x20, #96
        add     x22, x22, #1
        b       next

error:  mov     x12, x0                 // raw result
        neg     x0, x0                  // errno
        ldr     x9, [x20, #56]
        cmn     x9, #1
        b.eq    ok                      // any errno tolerated
        cmp     x0, x9
        b.eq    ok                      // this errno tolerated
        b       fail
mismatch:
        mov     x12, x0
        mov     x0, #0                  // errno 0: the result was not the expected one

fail:   str     w22, [x19, #88]         // record {index, errno, raw} in ctx
        str     w0, [x19, #92]
        str     x12, [x19, #96]
        ldr     x0, [x19, #72]          // error fd
        tbnz    x0, #63, 2f             // < 0: none
        add     x1, x19, #88
        mov     x2, #16
        mov     x8, #64                 // write(errfd, &ctx->record, 16)
        svc     #0
2:      mov     x0, #127
        mov     x8, #94                 // exit_group(127)
        svc     #0
        brk     #0

finished:                               // the program ran out without execve
        mov     x0, #0
        mov     x8, #94                 // exit_group(0)
        svc     #0
        brk     #0
        .size   gatun_spawn, .-gatun_spawn
