package io.jcri.e2e;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Random;

/**
 * Generates CRI request messages full of bad values, from the message descriptors: empty, huge and odd strings,
 * negative and extreme numbers, unknown enum numbers, oversized maps and lists. Deterministic per seed, so a
 * failure can be replayed.
 */
final class MalformedRequests {
    private static final List<String> ODD_STRINGS = List.of("", " ", "..", "../../etc/passwd", "/", "\u0000",
            "a".repeat(300), "x".repeat(70_000), "UPPER CASE", "-", "name@sha256:zz", ":::", "%s%n", "\uD800",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    private final Random random;

    MalformedRequests(long seed) {
        this.random = new Random(seed);
    }

    /** A message of {@code type} with random bad values in a random subset of its fields, nested to depth 3. */
    Message next(Descriptor type) {
        return build(type, 0);
    }

    private Message build(Descriptor type, int depth) {
        DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
        for (FieldDescriptor f : type.getFields()) {
            if (random.nextInt(3) == 0) {
                continue;
            }
            if (f.isMapField()) {
                int n = random.nextInt(4) == 0 ? 200 : random.nextInt(3);
                for (int i = 0; i < n; i++) {
                    b.addRepeatedField(f, build(f.getMessageType(), depth + 1));
                }
            } else if (f.isRepeated()) {
                int n = random.nextInt(5) == 0 ? 100 : random.nextInt(3);
                for (int i = 0; i < n; i++) {
                    Object v = value(f, depth);
                    if (v != null) {
                        b.addRepeatedField(f, v);
                    }
                }
            } else {
                Object v = value(f, depth);
                if (v != null) {
                    b.setField(f, v);
                }
            }
        }
        return b.build();
    }

    private Object value(FieldDescriptor f, int depth) {
        return switch (f.getJavaType()) {
            case STRING -> random.nextInt(4) == 0 ? randomText() : ODD_STRINGS.get(random.nextInt(ODD_STRINGS.size()));
            case INT -> List.of(0, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 7).get(random.nextInt(5));
            case LONG -> List.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40).get(random.nextInt(5));
            case DOUBLE -> Double.NaN;
            case FLOAT -> Float.NEGATIVE_INFINITY;
            case BOOLEAN -> random.nextBoolean();
            case BYTE_STRING -> ByteString.copyFrom(new byte[random.nextInt(64)]);
            case ENUM -> unknownOrKnownEnum(f);
            case MESSAGE -> depth >= 3 ? null : build(f.getMessageType(), depth + 1);
        };
    }

    private EnumValueDescriptor unknownOrKnownEnum(FieldDescriptor f) {
        if (random.nextBoolean()) {
            return f.getEnumType().findValueByNumberCreatingIfUnknown(1000 + random.nextInt(1000));
        }
        List<EnumValueDescriptor> values = f.getEnumType().getValues();
        return values.get(random.nextInt(values.size()));
    }

    private String randomText() {
        StringBuilder sb = new StringBuilder();
        int n = random.nextInt(40);
        for (int i = 0; i < n; i++) {
            sb.append((char) (random.nextInt(0x250) + 1));
        }
        return sb.toString();
    }
}
