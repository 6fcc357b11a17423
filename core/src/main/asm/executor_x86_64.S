# Gatun's syscall-program executor, x86-64 Linux, SysV ABI.
# The bytes embedded in dev/gatun/core/spawn/ExecutorCode.java come from:
#   as --64 -o x.o executor_x86_64.S && objcopy -O binary -j .text x.o x.bin
# ExecutorCodeTest re-assembles this file and compares the bytes.
#
#   long gatun_spawn(struct ctx *ctx);        // rdi = ctx; returns pid, or -errno of the clone
#
# struct ctx (112 bytes, prepared off-heap by Java, one per spawn):
#   +0   u64  clone syscall number (clone3, or legacy clone when clone3 is refused)
#   +8   u64  clone arguments a0..a5 (+8 .. +48)
#   +56  u64  steps pointer
#   +64  u64  number of steps
#   +72  i64  error-report fd (-1 = none)
#   +80  u64  signal mask held while cloning (normally ~0)
#   +88  u32  OUT (child): index of the failing step (Java pre-sets -1)
#   +92  u32  OUT (child): errno of the failing step (0 = unexpected result)
#   +96  i64  OUT (child): raw return value of the failing step
#
# struct step (96 bytes):
#   +0   u64  syscall number
#   +8   u64  a0..a5 (+8 .. +48)
#   +56  i64  allowed errno (0 = none, -1 = any)
#   +64  u64  result slot (0 = none; else *slot = raw return value, always)
#   +72  u64  indirect mask: bit i set => argument i is an address, the argument is *ai
#   +80  i64  expected result (when flag EXPECT is set)
#   +88  u64  flags: bit 0 EXPECT (success only if result == expected)
#                    bit 1 PARENT_EXITS (a fork step: the caller exits 0 when result > 0)
#
# Parent path: saves rbx (the only callee-saved register it uses), blocks all
# signals, clones, restores the mask and returns. No JVM code runs in between.
# Child path: never returns, never touches its stack, never calls anything.
# It writes only ctx+88..103, the result slots and the buffers the steps name.

        .intel_syntax noprefix
        .text
        .globl gatun_spawn
gatun_spawn:
        endbr64                         # IBT landing pad (NOP without CET)
        push    rbx
        mov     rbx, rdi                # rbx = ctx, survives syscall and clone
        sub     rsp, 8                  # slot for the caller's old mask

        mov     eax, 14                 # rt_sigprocmask(SIG_SETMASK, &ctx->mask, &old, 8)
        mov     edi, 2
        lea     rsi, [rbx+80]
        mov     rdx, rsp
        mov     r10d, 8
        syscall

        mov     rax, [rbx]              # the clone call, as data
        mov     rdi, [rbx+8]
        mov     rsi, [rbx+16]
        mov     rdx, [rbx+24]
        mov     r10, [rbx+32]
        mov     r8,  [rbx+40]
        mov     r9,  [rbx+48]
        syscall
        test    rax, rax
        jz      child

        mov     r8, rax                 # parent: rax = pid or -errno
        mov     eax, 14                 # rt_sigprocmask(SIG_SETMASK, &old, NULL, 8)
        mov     edi, 2
        mov     rsi, rsp
        xor     edx, edx
        mov     r10d, 8
        syscall
        mov     rax, r8
        add     rsp, 8
        pop     rbx
        ret

child:
        mov     r14, rbx                # r14 = ctx
        mov     rbx, [r14+56]           # rbx = current step
        mov     r12, [r14+64]           # r12 = n
        xor     r13d, r13d              # r13 = i
next:
        cmp     r13, r12
        jae     finished
        mov     r15, [rbx+72]           # indirect mask
        mov     rdi, [rbx+8]
        test    r15b, 1
        jz      1f
        mov     rdi, [rdi]
1:      mov     rsi, [rbx+16]
        test    r15b, 2
        jz      1f
        mov     rsi, [rsi]
1:      mov     rdx, [rbx+24]
        test    r15b, 4
        jz      1f
        mov     rdx, [rdx]
1:      mov     r10, [rbx+32]
        test    r15b, 8
        jz      1f
        mov     r10, [r10]
1:      mov     r8, [rbx+40]
        test    r15b, 16
        jz      1f
        mov     r8, [r8]
1:      mov     r9, [rbx+48]
        test    r15b, 32
        jz      1f
        mov     r9, [r9]
1:      mov     rax, [rbx]
        syscall
        mov     rcx, [rbx+64]           # optional result slot
        test    rcx, rcx
        jz      1f
        mov     [rcx], rax
1:      cmp     rax, -4095
        jae     error                   # in [-4095,-1]: an errno
        mov     rcx, [rbx+88]           # flags
        test    cl, 1
        jz      2f
        cmp     rax, [rbx+80]
        jne     mismatch
2:      test    cl, 2
        jz      ok
        test    rax, rax
        jz      ok                      # fork step: the new task continues
        xor     edi, edi                # fork step: the caller leaves
        mov     eax, 231                # exit_group(0)
        syscall
ok:     add     rbx, 96
        inc     r13
        jmp     next

error:  mov     rdx, rax                # raw result
        neg     rax                     # errno
        mov     rcx, [rbx+56]
        cmp     rcx, -1
        je      ok                      # any errno tolerated
        cmp     rax, rcx
        je      ok                      # this errno tolerated
        jmp     fail
mismatch:
        mov     rdx, rax
        xor     eax, eax                # errno 0: the result was not the expected one

fail:   mov     [r14+88], r13d          # record {index, errno, raw} in ctx
        mov     [r14+92], eax
        mov     [r14+96], rdx
        mov     rdi, [r14+72]
        test    rdi, rdi
        js      2f
        mov     eax, 1                  # write(errfd, &ctx->record, 16): atomic (< PIPE_BUF)
        lea     rsi, [r14+88]
        mov     edx, 16
        syscall
2:      mov     edi, 127
        mov     eax, 231                # exit_group(127)
        syscall
        ud2

finished:                               # the program ran out without execve
        xor     edi, edi
        mov     eax, 231                # exit_group(0)
        syscall
        ud2
