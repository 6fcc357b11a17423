package dev.gatun.testing;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Evaluates {@link KernelTest}: enabled when every precondition holds; otherwise disabled with the
 * reason, or — under {@value Kernel#REQUIRE_PROPERTY}{@code =true} — a failure that names it.
 */
final class KernelCondition implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<AnnotatedElement> element = context.getElement();
        Optional<KernelTest> annotation =
                element.flatMap(e -> AnnotationSupport.findAnnotation(e, KernelTest.class));
        if (annotation.isEmpty()) {
            return ConditionEvaluationResult.enabled("not a kernel test");
        }
        KernelTest test = annotation.get();
        if (test.root() && !Kernel.isRoot()) {
            return Kernel.unmet("needs root (effective uid 0); running as uid " + Kernel.euid());
        }
        for (Kernel.Feature feature : test.requires()) {
            Optional<String> missing = feature.missing();
            if (missing.isPresent()) {
                return Kernel.unmet("needs " + feature.description() + ": " + missing.get());
            }
        }
        return ConditionEvaluationResult.enabled("kernel preconditions hold");
    }
}
