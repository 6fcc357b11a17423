/**
 * The glue between the pure-Java namespace plan ({@code dev.gatun.namespaces}) and the spawn
 * engine: {@link dev.gatun.core.ns.NamespaceSetup} turns a {@code Namespaces} value into clone
 * flags, join fds and program steps; {@link dev.gatun.core.ns.NetworkNamespaces} runs a Java task
 * on a thread switched into another network namespace; {@link dev.gatun.core.ns.Loopback} brings
 * {@code lo} up, from Java or as program steps. Not exported: the {@code Container} facade uses it.
 */
package dev.gatun.core.ns;
