package dev.gatun.cgroups;

import java.io.IOException;
import java.nio.file.Path;

/** v1 hugetlb controller: hugetlb.&lt;size&gt;.limit_in_bytes. */
final class V1Hugetlb {

    static final String CONTROLLER = "hugetlb";

    private V1Hugetlb() {}

    static void apply(Resources r, Path dir, LimitWriter w) throws IOException {
        for (Resources.HugepageLimit h : r.hugepageLimits()) {
            w.write("hugepageLimits[" + h.pageSize() + "]", dir, "hugetlb." + h.pageSize() + ".limit_in_bytes",
                    Long.toString(h.limit()));
        }
    }
}
