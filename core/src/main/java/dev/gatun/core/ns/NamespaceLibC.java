package dev.gatun.core.ns;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.gatun.core.ErrnoException;
import dev.gatun.core.linux.Errno;
import dev.gatun.core.linux.Flags;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls this package adds to {@link dev.gatun.core.linux.LibC}: {@code setns},
 * {@code socket} and {@code ioctl}, with LibC's conventions (errno captured per call into a
 * segment of its own, an {@link ErrnoException} naming the call and its arguments). Kept here,
 * not in LibC, only to stay out of that file while it changes on other branches; they belong
 * there once merged. Thread-safe.
 */
final class NamespaceLibC {

    /** {@code AF_INET}. */
    static final int AF_INET = 2;
    /** {@code SOCK_DGRAM}. */
    static final int SOCK_DGRAM = 2;
    /** {@code SOCK_CLOEXEC}. */
    static final int SOCK_CLOEXEC = 02000000;
    /** {@code SIOCGIFFLAGS}: read an interface's flags. */
    static final long SIOCGIFFLAGS = 0x8913;
    /** {@code SIOCSIFFLAGS}: set an interface's flags. */
    static final long SIOCSIFFLAGS = 0x8914;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static final MethodHandle SETNS = capturing("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKET = capturing("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    // ioctl(2) is variadic after the request
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow("ioctl"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS),
            Linker.Option.firstVariadicArg(2), Linker.Option.captureCallState("errno"));

    private NamespaceLibC() {}

    /** {@code setns(fd, nstype)}: moves the calling thread into the namespace {@code fd} refers to. */
    static void setns(int fd, long nstype, String what) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            int r = (int) SETNS.invokeExact(errno, fd, (int) nstype);
            if (r == -1) {
                throw new ErrnoException(errno(errno), "setns", fd + " (" + what + "), " + Flags.CLONE.render(nstype));
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("setns downcall", t);
        }
    }

    /** {@code socket(domain, type, protocol)}; returns the fd. */
    static int socket(int domain, int type, int protocol) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            int fd = (int) SOCKET.invokeExact(errno, domain, type, protocol);
            if (fd == -1) {
                throw new ErrnoException(errno(errno), "socket", domain + ", " + type + ", " + protocol);
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("socket downcall", t);
        }
    }

    /** {@code ioctl(fd, request, arg)}, retried on EINTR; returns the call's result. */
    static int ioctl(int fd, long request, MemorySegment arg, String rendered) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = arena.allocate(CAPTURE);
            while (true) {
                int r = (int) IOCTL.invokeExact(errno, fd, request, arg);
                if (r != -1) {
                    return r;
                }
                int e = errno(errno);
                if (e != Errno.EINTR) {
                    throw new ErrnoException(e, "ioctl", fd + ", " + rendered);
                }
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError("ioctl downcall", t);
        }
    }

    private static int errno(MemorySegment capture) {
        return (int) ERRNO.get(capture, 0L);
    }

    private static MethodHandle capturing(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LINKER.defaultLookup().findOrThrow(name), descriptor,
                Linker.Option.captureCallState("errno"));
    }
}
