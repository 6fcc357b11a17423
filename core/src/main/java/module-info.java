/**
 * Gatun's core: {@code Container.builder()}, the container lifecycle, and — in packages that are
 * not exported — the FFM binding to Linux and the spawn engine. The only Gatun module that calls
 * restricted FFM methods: launch with {@code --enable-native-access=dev.gatun.core}.
 */
module dev.gatun.core {
    requires transitive dev.gatun.oci;
    requires transitive dev.gatun.namespaces;
    requires transitive dev.gatun.cgroups;
    requires transitive dev.gatun.images;
    requires org.slf4j;

    exports dev.gatun.core;
}
