package dev.gatun.oci;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.math.BigInteger;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;

/**
 * Marks a {@code Long} component that holds a JSON {@code uint64}: 0 to 2^64-1 is read into the
 * long's 64 bits (values above {@link Long#MAX_VALUE} become negative longs, as Go's uint64
 * would in C) and written back unsigned; negative JSON numbers are rejected when read.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.RECORD_COMPONENT})
@JacksonAnnotationsInside
@JsonDeserialize(using = Unsigned.Reader.class)
@JsonSerialize(using = Unsigned.Writer.class)
@interface Unsigned {

    BigInteger MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    /** Reads a uint64. */
    final class Reader extends ValueDeserializer<Long> {
        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                return (Long) ctxt.handleUnexpectedToken(Long.class, p);
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                BigInteger v = p.getBigIntegerValue();
                if (v.signum() < 0 || v.compareTo(MAX) > 0) {
                    return ctxt.reportInputMismatch(this, "%s is not an unsigned 64-bit integer (0 to %s)", v, MAX);
                }
                return v.longValue();
            }
            long v = p.getLongValue();
            if (v < 0) {
                return ctxt.reportInputMismatch(this, "%d is negative; expected an unsigned 64-bit integer (0 to %s)", v, MAX);
            }
            return v;
        }
    }

    /** Writes a uint64. */
    final class Writer extends ValueSerializer<Long> {
        @Override
        public void serialize(Long value, JsonGenerator g, SerializationContext ctxt) {
            if (value >= 0) {
                g.writeNumber(value);
            } else {
                g.writeNumber(new BigInteger(Long.toUnsignedString(value)));
            }
        }
    }
}
