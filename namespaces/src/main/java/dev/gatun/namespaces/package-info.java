/**
 * Linux namespaces: kinds, the namespace builder, ID mappings and inspection.
 *
 * @see <a href="https://man7.org/linux/man-pages/man7/namespaces.7.html">namespaces(7)</a>
 */
package dev.gatun.namespaces;
