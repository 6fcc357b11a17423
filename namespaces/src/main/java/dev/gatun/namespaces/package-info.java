/**
 * Linux namespaces as values: what a container's namespaces should be, and what a process's
 * namespaces are. Pure Java: it plans, writes the parent-side {@code /proc} files and inspects;
 * {@code dev.gatun.core} makes the syscalls.
 *
 * <h2>Planning a container's namespaces</h2>
 * {@link dev.gatun.namespaces.Namespaces#builder()} — per {@link dev.gatun.namespaces.NamespaceType}
 * create, join (a {@code /proc/<pid>/ns} file or a bind mount of one) or share — with
 * {@link dev.gatun.namespaces.IdMappings} for a new user namespace and
 * {@link dev.gatun.namespaces.TimeOffsets} for a new time namespace. The value is the plan:
 * {@link dev.gatun.namespaces.Namespaces#cloneFlags()} and the ordered
 * {@link dev.gatun.namespaces.Namespaces#steps()}. {@link dev.gatun.namespaces.OciNamespace}
 * converts from and to an OCI {@code linux.namespaces} array.
 *
 * <h2>While the child waits</h2>
 * {@link dev.gatun.namespaces.IdMapper} writes uid/gid maps directly or through
 * {@code newuidmap}/{@code newgidmap} with {@link dev.gatun.namespaces.SubordinateIds};
 * {@link dev.gatun.namespaces.TimeOffsets#writeTo(long)} writes the time offsets.
 * {@link dev.gatun.namespaces.UserNamespaces} says whether user namespaces are available here, and
 * how to enable them.
 *
 * <h2>Inspecting processes</h2>
 * {@link dev.gatun.namespaces.NamespaceSet#of(long)}, {@link dev.gatun.namespaces.NamespaceId}
 * (identity, members) and {@link dev.gatun.namespaces.NestedPids} (a PID in each PID namespace:
 * a container's init is N outside and 1 inside).
 *
 * <p>Errors: a bad or contradictory setting is a {@link dev.gatun.namespaces.NamespaceConfigException}
 * (an {@link java.lang.IllegalArgumentException}) naming the setting and value; a refusal by the
 * kernel or a helper is an {@link java.io.IOException} naming the file or command. Nothing here
 * prints or exits.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/namespaces.7.html">namespaces(7)</a>
 */
package dev.gatun.namespaces;
