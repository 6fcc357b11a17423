/**
 * Gatun's binding to Linux over {@code java.lang.foreign}: {@link dev.gatun.core.linux.LibC} (one
 * short method per downcall; errno captured per call with {@code captureCallState}, never in a
 * shared buffer; EINTR retried where the kernel can return it), the struct layouts
 * ({@link dev.gatun.core.linux.Structs}), errno names ({@link dev.gatun.core.linux.Errno}),
 * symbolic flag rendering ({@link dev.gatun.core.linux.Flags}) and the per-architecture syscall
 * numbers ({@link dev.gatun.core.linux.SyscallTable}, generated from libseccomp's table). Layouts
 * are hand-written from the kernel's uapi headers; no jextract. Not exported.
 */
package dev.gatun.core.linux;
