package dev.gatun.core.tofix;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * A test of behaviour Gatun should have and does not yet, as Jackson keeps them in {@code tofix}:
 * the test asserts the right behaviour; while it fails it is reported as aborted (skipped) with
 * {@link #value() the reason}, and the day it passes it <em>fails</em>, saying that the bug is
 * fixed and the test belongs with the others now.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@ExtendWith(KnownBug.Inverter.class)
public @interface KnownBug {

    /** What is wrong, and why it is not fixed yet. */
    String value();

    /** Turns the failure of a {@link KnownBug} test into an abort, and its success into a failure. */
    final class Inverter implements InvocationInterceptor {
        @Override
        public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> call,
                ExtensionContext context) throws Throwable {
            String reason = call.getExecutable().getAnnotation(KnownBug.class).value();
            try {
                invocation.proceed();
            } catch (TestAbortedException skipped) {
                throw skipped;
            } catch (Exception | AssertionError stillBroken) {
                throw new TestAbortedException("known bug: " + reason + " (still fails: " + stillBroken + ")", stillBroken);
            }
            throw new AssertionFailedError("known bug fixed: " + reason + " — move "
                    + context.getRequiredTestMethod().getName() + " out of tofix and drop @KnownBug");
        }
    }
}
