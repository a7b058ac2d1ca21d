package io.jcri.server.streaming;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Single-use tokens for streaming URLs: 192 random bits, URL-safe, valid until taken once or until they expire
 * unused. The clock is injected so expiry is testable without waiting.
 */
final class TokenRegistry<T> {
    private static final int TOKEN_BYTES = 24;

    private final SecureRandom random = new SecureRandom();
    private final Clock clock;
    private final Duration ttl;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final Map<String, Entry<T>> entries = new HashMap<>();

    TokenRegistry(Clock clock, Duration ttl) {
        this.clock = clock;
        this.ttl = ttl;
    }

    /** Stores {@code value} and returns its new token. */
    String put(T value) {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        Instant now = clock.instant();
        synchronized (lock) {
            entries.values().removeIf(e -> e.expiresAt().isBefore(now));
            entries.put(token, new Entry<>(value, now.plus(ttl)));
        }
        return token;
    }

    /** The value behind {@code token}, removing it; empty when unknown, already taken or expired. */
    Optional<T> take(String token) {
        Instant now = clock.instant();
        synchronized (lock) {
            Entry<T> e = entries.remove(token);
            return e == null || e.expiresAt().isBefore(now) ? Optional.empty() : Optional.of(e.value());
        }
    }

    /** How many tokens are waiting (expired ones included until the next put). */
    int size() {
        synchronized (lock) {
            return entries.size();
        }
    }

    private record Entry<T>(T value, Instant expiresAt) {
    }
}
