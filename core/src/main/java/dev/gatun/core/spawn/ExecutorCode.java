package dev.gatun.core.spawn;

import dev.gatun.core.linux.Arch;
import java.util.HexFormat;

/**
 * The executor's machine code, per architecture, as assembled from
 * {@code core/src/main/asm/executor_<arch>.S} (read those files: the layout of the ctx and of a
 * step is documented there, and {@link Executor} mirrors it). {@code ExecutorCodeTest}
 * re-assembles the sources and compares the bytes, so the two cannot drift apart;
 * {@code ExecutorRunTest} runs the bytes of every architecture (the host's natively, the others
 * under qemu-user), so a wrong instruction fails too.
 */
final class ExecutorCode {

    /** {@code as --64} + {@code objcopy -O binary -j .text} of executor_x86_64.S. */
    static final String X86_64 =
            "f30f1efa534889fb4883ec08b80e000000bf02000000488d73504889e241ba080000000f05488b03488b7b08488b7310"
            + "488b53184c8b53204c8b43284c8b4b300f054885c074234989c0b80e000000bf020000004889e631d241ba080000000f"
            + "054c89c04883c4085bc34989de498b5e384d8b66404531ed4d39e50f83e80000004c8b7b48488b7b0841f6c701740348"
            + "8b3f488b731041f6c7027403488b36488b531841f6c7047403488b124c8b532041f6c70874034d8b124c8b432841f6c7"
            + "1074034d8b004c8b4b3041f6c72074034d8b09488b030f05488b4b404885c97403488901483d01f0ffff732e488b4b58"
            + "f6c1017406483b43507536f6c102740e4885c0740931ffb8e70000000f054883c36049ffc5e95effffff4889c248f7d8"
            + "488b4b384883f9ff74e44839c874dfeb054889c231c045896e584189465c49895660498b7e484885ff7810b801000000"
            + "498d7658ba100000000f05bf7f000000b8e70000000f050f0b31ffb8e70000000f050f0b";

    /** {@code aarch64-linux-gnu-as} + {@code objcopy -O binary -j .text} of executor_aarch64.S. */
    static final String AARCH64 =
            "5f2403d5e90300aaff4300d1400080d221410191e2030091030180d2e81080d2010000d4280140f9208540a9228d41a9"
            + "249542a9010000d4600100b4ea0300aa400080d2e1030091020080d2030180d2e81080d2010000d4e0030aaaff430091"
            + "c0035fd6f30309aa741e40f9752240f9160080d2df0215eb82070054972640f9880240a9810a41a9831242a9851a40f9"
            + "57000036000040f957000836210040f957001036420040f957001836630040f957002036840040f957002836a50040f9"
            + "010000d4892240f9490000b4200100f91ffc3fb1c20100548a2e40f98a0000368b2a40f91f000beb21020054aa000836"
            + "800000b4000080d2c80b80d2010000d494820191d6060091dbffff17ec0300aae00300cb891e40f93f0500b120ffff54"
            + "1f0009ebe0feff5403000014ec0300aa000080d2765a00b9605e00b96c3200f9602640f9a000f8b761620191020280d2"
            + "080880d2010000d4e00f80d2c80b80d2010000d4000020d4000080d2c80b80d2010000d4000020d4";

    private ExecutorCode() {}

    /** The code for {@code arch}. */
    static byte[] of(Arch arch) {
        return switch (arch) {
            case X86_64 -> HexFormat.of().parseHex(X86_64);
            case AARCH64 -> HexFormat.of().parseHex(AARCH64);
            default -> throw new UnsupportedOperationException("no executor for " + arch.tableName());
        };
    }
}
