package dev.gatun.testing;

import java.lang.reflect.AnnotatedElement;
import java.util.Optional;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.TestWatcher;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Evaluates {@link KernelTest}: enabled when every precondition holds; otherwise disabled with the
 * reason, or — under {@value Kernel#REQUIRE_PROPERTY}{@code =true} — a failure that names it.
 */
final class KernelCondition implements ExecutionCondition, TestWatcher {

    /**
     * A skipped kernel test says so on the console, with its reason (surefire keeps the reason
     * only in its XML): whoever runs the build as a non-root user sees what went untested.
     */
    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        System.out.println("[" + name(context) + "] " + reason.orElse("disabled"));
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        System.out.println("[" + name(context) + "] " + cause.getMessage());
    }

    private static String name(ExtensionContext context) {
        return context.getRequiredTestClass().getSimpleName() + "." + context.getDisplayName();
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        ConditionEvaluationResult result = evaluate(context);
        if (result.isDisabled() && context.getTestMethod().isEmpty()) {
            // a whole class: JUnit calls no TestWatcher for its methods
            System.out.println("[" + context.getDisplayName() + ", every test] "
                    + result.getReason().orElse("disabled"));
        }
        return result;
    }

    private static ConditionEvaluationResult evaluate(ExtensionContext context) {
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
