/**
 * OCI runtime-spec 1.3 models: config.json, state.json, features.json.
 *
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md">config.md</a>
 */
package dev.gatun.oci;
