/**
 * Benchmarks. Build with {@code ./mvnw -pl bench -am package -DskipTests} and run
 * {@code java -jar bench/target/benchmarks.jar [regex]}; results are committed under
 * {@code bench/results/}, with the command and the machine they came from.
 */
package dev.gatun.bench;
