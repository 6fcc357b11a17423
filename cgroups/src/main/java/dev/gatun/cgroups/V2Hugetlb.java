package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v2 hugetlb controller: hugetlb.&lt;size&gt;.max. */
final class V2Hugetlb {

    static final String CONTROLLER = "hugetlb";

    private V2Hugetlb() {}

    static boolean needed(Resources r) {
        return !r.hugepageLimits().isEmpty();
    }

    static void apply(Resources r, Path dir, LimitWriter w) throws IOException {
        for (Resources.HugepageLimit h : r.hugepageLimits()) {
            w.write("hugepageLimits[" + h.pageSize() + "]", dir, "hugetlb." + h.pageSize() + ".max",
                    ControlFiles.max(h.limit()));
        }
    }
}
