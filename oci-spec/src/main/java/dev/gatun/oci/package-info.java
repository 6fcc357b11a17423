/**
 * OCI runtime-spec 1.3 models: config.json, state.json, features.json.
 *
 * <p>Start at {@link dev.gatun.oci.OciSpecs}: {@code readConfig}, {@code writeConfig},
 * {@code readState}, {@code validate} (every problem with its JSON path), {@code requireValid}
 * ({@link dev.gatun.oci.InvalidSpecException}), and {@code example()} / {@code exampleRootless()}
 * ({@code runc spec}). The model is a tree of immutable records named after the spec's sections
 * ({@link dev.gatun.oci.Spec}, {@link dev.gatun.oci.ProcessSpec}, {@link dev.gatun.oci.Linux},
 * {@link dev.gatun.oci.Resources}, {@link dev.gatun.oci.Seccomp} ...) whose accessors carry the
 * JSON names; {@code null} means absent. Value types give names their meaning:
 * {@link dev.gatun.oci.Capability}, {@link dev.gatun.oci.RlimitType}, {@link dev.gatun.oci.Signal},
 * {@link dev.gatun.oci.MountOptions}.
 *
 * <p>What this package does not do: touch the file system beyond the file it is asked to read
 * or write, look at the running kernel (a valid spec may still ask for what this host lacks),
 * or model the Windows, Solaris, VM, z/OS and FreeBSD sections (they are carried as JSON).
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md">config.md</a>
 */
package dev.gatun.oci;
