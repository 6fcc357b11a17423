/**
 * Linux namespaces as values: which a container creates, joins or shares, its ID mappings, and what
 * a running process's namespaces are. Pure Java: it plans and inspects; {@code dev.gatun.core}
 * makes the syscalls.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/namespaces.7.html">namespaces(7)</a>
 */
module dev.gatun.namespaces {
    exports dev.gatun.namespaces;
}
