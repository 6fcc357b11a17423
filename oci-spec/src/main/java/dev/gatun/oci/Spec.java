package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * A container configuration: the whole of an OCI bundle's {@code config.json}. Read and write it
 * with {@link OciSpecs}; check it with {@link OciSpecs#validate(Spec)}; start from {@link
 * OciSpecs#example()} or {@link #builder()}. Only the Linux section is modelled: the other
 * platforms' sections are carried as JSON trees, never dropped.
 *
 * <p>Every component is {@code null} when its property is absent from the document, and
 * absent properties are left out when written. Lists and maps are unmodifiable copies.
 * Instances are immutable and thread-safe (the {@link JsonNode}s in {@code extra} are
 * copies the caller must not mutate).
 *
 * @param ociVersion the runtime-spec version the document complies with (SemVer), required
 * @param root the container's root filesystem
 * @param mounts additional mounts, in the order they are made
 * @param process the container process; required by {@code start}
 * @param hostname the container's host name, which needs its own UTS namespace
 * @param domainname the container's NIS domain name, which needs its own UTS namespace
 * @param hooks the lifecycle hooks
 * @param annotations arbitrary metadata, keys in reverse domain notation
 * @param linux the Linux-specific configuration
 * @param solaris the Solaris section, carried through unchanged
 * @param windows the Windows section, carried through unchanged
 * @param vm the virtual-machine section, carried through unchanged
 * @param zos the z/OS section, carried through unchanged
 * @param freebsd the FreeBSD section, carried through unchanged (its jail sharing modes are
 *     validated)
 * @param extra properties this model does not know, kept verbatim so that a round trip loses nothing; never null
 * @see <a href="https://github.com/opencontainers/runtime-spec/blob/v1.3.0/config.md">config.md</a>
 */
public record Spec(
        String ociVersion,
        Root root,
        List<Mount> mounts,
        ProcessSpec process,
        String hostname,
        String domainname,
        Hooks hooks,
        Map<String, String> annotations,
        Linux linux,
        JsonNode solaris,
        JsonNode windows,
        JsonNode vm,
        JsonNode zos,
        JsonNode freebsd,
        @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extra) {

    /** Copies lists and maps so that the record stays immutable. */
    public Spec {
        mounts = Copies.list(mounts);
        annotations = Copies.map(annotations);
        solaris = Copies.node(solaris);
        windows = Copies.node(windows);
        vm = Copies.node(vm);
        zos = Copies.node(zos);
        freebsd = Copies.node(freebsd);
        extra = Copies.extra(extra);
    }

    /** Returns an empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding this value's components, to derive a changed copy. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.ociVersion = ociVersion;
        b.root = root;
        b.mounts = mounts;
        b.process = process;
        b.hostname = hostname;
        b.domainname = domainname;
        b.hooks = hooks;
        b.annotations = annotations;
        b.linux = linux;
        b.solaris = solaris;
        b.windows = windows;
        b.vm = vm;
        b.zos = zos;
        b.freebsd = freebsd;
        b.extra = extra;
        return b;
    }

    /**
     * A mutable builder of {@link Spec}; every component starts {@code null} (absent) and
     * {@code extra} empty. {@link #build()} copies, so a builder can be reused. Not
     * thread-safe. The builder does not validate: use {@link OciSpecs#validate}.
     */
    public static final class Builder {
        private String ociVersion;
        private Root root;
        private List<Mount> mounts;
        private ProcessSpec process;
        private String hostname;
        private String domainname;
        private Hooks hooks;
        private Map<String, String> annotations;
        private Linux linux;
        private JsonNode solaris;
        private JsonNode windows;
        private JsonNode vm;
        private JsonNode zos;
        private JsonNode freebsd;
        private Map<String, JsonNode> extra = Map.of();

        private Builder() {}

        /** Sets {@code ociVersion}; {@code null} makes it absent. */
        public Builder ociVersion(String ociVersion) {
            this.ociVersion = ociVersion;
            return this;
        }

        /** Sets {@code root}; {@code null} makes it absent. */
        public Builder root(Root root) {
            this.root = root;
            return this;
        }

        /** Sets {@code mounts}; {@code null} makes it absent. */
        public Builder mounts(List<Mount> mounts) {
            this.mounts = mounts;
            return this;
        }

        /** Sets {@code process}; {@code null} makes it absent. */
        public Builder process(ProcessSpec process) {
            this.process = process;
            return this;
        }

        /** Sets {@code hostname}; {@code null} makes it absent. */
        public Builder hostname(String hostname) {
            this.hostname = hostname;
            return this;
        }

        /** Sets {@code domainname}; {@code null} makes it absent. */
        public Builder domainname(String domainname) {
            this.domainname = domainname;
            return this;
        }

        /** Sets {@code hooks}; {@code null} makes it absent. */
        public Builder hooks(Hooks hooks) {
            this.hooks = hooks;
            return this;
        }

        /** Sets {@code annotations}; {@code null} makes it absent. */
        public Builder annotations(Map<String, String> annotations) {
            this.annotations = annotations;
            return this;
        }

        /** Sets {@code linux}; {@code null} makes it absent. */
        public Builder linux(Linux linux) {
            this.linux = linux;
            return this;
        }

        /** Sets {@code solaris}; {@code null} makes it absent. */
        public Builder solaris(JsonNode solaris) {
            this.solaris = solaris;
            return this;
        }

        /** Sets {@code windows}; {@code null} makes it absent. */
        public Builder windows(JsonNode windows) {
            this.windows = windows;
            return this;
        }

        /** Sets {@code vm}; {@code null} makes it absent. */
        public Builder vm(JsonNode vm) {
            this.vm = vm;
            return this;
        }

        /** Sets {@code zos}; {@code null} makes it absent. */
        public Builder zos(JsonNode zos) {
            this.zos = zos;
            return this;
        }

        /** Sets {@code freebsd}; {@code null} makes it absent. */
        public Builder freebsd(JsonNode freebsd) {
            this.freebsd = freebsd;
            return this;
        }

        /** Sets the unknown properties to carry through. */
        public Builder extra(Map<String, JsonNode> extra) {
            this.extra = extra;
            return this;
        }

        /** Returns the immutable value. */
        public Spec build() {
            return new Spec(ociVersion, root, mounts, process, hostname, domainname, hooks, annotations, linux, solaris, windows, vm, zos, freebsd, extra);
        }
    }
}
