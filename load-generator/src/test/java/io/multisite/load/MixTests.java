package io.multisite.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.multisite.load.Mix.Kind;
import io.multisite.load.Mix.Operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MixTests {

    private final List<VirtualClient> clients = List.of(client("u1"), client("u2"), client("u3"));

    @Test
    void replaysTheSameOperationsForTheSameSeed() {
        assertThat(draw(new Mix(clients, 5, "run"), 500)).isEqualTo(draw(new Mix(clients, 5, "run"), 500));
        assertThat(draw(new Mix(clients, 5, "run"), 500)).isNotEqualTo(draw(new Mix(clients, 6, "run"), 500));
    }

    @Test
    void drawsMostlyTransfersOfOneToOneHundredMinorUnits() {
        List<Operation> operations = operations(new Mix(clients, 9, "run"), 10_000);

        Map<Kind, Long> kinds = operations.stream().collect(Collectors.groupingBy(Operation::kind, Collectors.counting()));
        assertThat(kinds.get(Kind.TRANSFER)).isBetween(4_700L, 5_300L);
        assertThat(kinds.get(Kind.ACCOUNT)).isBetween(1_800L, 2_200L);
        assertThat(kinds.get(Kind.FEED)).isBetween(1_300L, 1_700L);
        assertThat(kinds.get(Kind.POST)).isBetween(800L, 1_200L);
        assertThat(kinds.get(Kind.LOGIN)).isBetween(350L, 650L);
        assertThat(operations).filteredOn(op -> op.kind() == Kind.TRANSFER).extracting(Operation::amount)
                .allMatch(amount -> amount >= 1 && amount <= Mix.MAX_AMOUNT)
                .contains(1L, 100L);
        assertThat(operations).filteredOn(op -> op.kind() != Kind.TRANSFER).extracting(Operation::amount).containsOnly(0L);
    }

    @Test
    void needsAPayerAndAPayee() {
        assertThatIllegalArgumentException().isThrownBy(() -> new Mix(List.of(client("alone")), 1, "run"))
                .withMessage("a mix needs at least two clients, has 1");
    }

    private static List<String> draw(Mix mix, int count) {
        return operations(mix, count).stream().map(op -> op.kind() + ":" + op.amount()).toList();
    }

    private static List<Operation> operations(Mix mix, int count) {
        List<Operation> operations = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            operations.add(mix.next());
        }
        return operations;
    }

    private static VirtualClient client(String userId) {
        return new VirtualClient(userId, "password", HttpClient.newHttpClient(), List.of(URI.create("http://127.0.0.1:9")),
                0, Duration.ofSeconds(1), gateway -> { });
    }
}
