package io.workerpool.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerpool.Supervisor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The master's settings come from Spring Boot's own configuration loading (application.properties, profiles,
 * command-line arguments) and binding, with the Spring-derived defaults, and a wrong value is one line.
 */
class PoolPropertiesTest {
    /** A source class for the master's SpringApplication: it is never started. */
    static class App {
    }

    private static PoolProperties master(String... args) {
        return PoolProperties.bind(MasterEnvironment.load(new Class<?>[] {App.class}, App.class, args));
    }

    private static PoolProperties of(Map<String, Object> values) {
        ConfigurableEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", values));
        return PoolProperties.bind(environment);
    }

    @Test
    void applicationPropertiesProfilesAndTheCommandLineAreReadAsSpringBootReadsThem() {
        PoolProperties plain = master();
        assertThat(plain.workers()).isEqualTo(3);
        assertThat(plain.listenAddress()).isEqualTo(new InetSocketAddress(9191));
        assertThat(plain.stopTimeout()).isEqualTo(Duration.ofSeconds(35));

        PoolProperties big = master("--spring.profiles.active=big");
        assertThat(big.workers()).isEqualTo(5);
        assertThat(big.stopTimeout()).isEqualTo(Duration.ofSeconds(17));

        PoolProperties overridden = master("--spring.profiles.active=big", "--workerpool.workers=7",
                "--workerpool.listen=127.0.0.1:9292", "--workerpool.stop-timeout=3s");
        assertThat(overridden.workers()).isEqualTo(7);
        assertThat(overridden.listenAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 9292));
        assertThat(overridden.stopTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void listenDefaultsToServerAddressAndPortAndTakesTheUsualForms() {
        assertThat(of(Map.of()).listenAddress()).isEqualTo(new InetSocketAddress(8080));
        assertThat(of(Map.of("server.address", "127.0.0.1", "server.port", "0")).listenAddress())
                .isEqualTo(new InetSocketAddress("127.0.0.1", 0));
        assertThat(of(Map.of("server.address", "::1", "server.port", "81")).listenAddress())
                .isEqualTo(new InetSocketAddress("::1", 81));
        assertThat(of(Map.of("workerpool.listen", ":82")).listenAddress()).isEqualTo(new InetSocketAddress(82));
        assertThat(of(Map.of("workerpool.listen", "[::1]:83")).listenAddress())
                .isEqualTo(new InetSocketAddress("::1", 83));
    }

    @Test
    void environmentVariablesBindWithSpringBootsRelaxedNames() {
        ConfigurableEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                new SystemEnvironmentPropertySource(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        Map.of("WORKERPOOL_WORKERS", "6", "WORKERPOOL_STOPTIMEOUT", "20s")));
        PoolProperties properties = PoolProperties.bind(environment);
        assertThat(properties.workers()).isEqualTo(6);
        assertThat(properties.stopTimeout()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void aWrongValueIsOneLineNamingThePropertyAndItsValue() {
        assertThatThrownBy(() -> of(Map.of("workerpool.workers", "many")).workers())
                .isInstanceOf(InvalidPoolPropertyException.class)
                .hasMessageStartingWith("workerpool.workers is 'many' (from ").hasMessageEndingWith(": not a valid whole number")
                .hasMessageNotContaining("\n");
        assertThatThrownBy(() -> of(Map.of("workerpool.stop-timeout", "soon")).stopTimeout())
                .isInstanceOf(InvalidPoolPropertyException.class)
                .hasMessageStartingWith("workerpool.stop-timeout is 'soon'").hasMessageContaining("duration");
        assertThatThrownBy(() -> of(Map.of("workerpool.listen", "localhost:http")).listenAddress())
                .isInstanceOf(InvalidPoolPropertyException.class)
                .hasMessageContaining("expected [host:]port");
        assertThatThrownBy(() -> of(Map.of("server.port", "70000")).listenAddress())
                .isInstanceOf(InvalidPoolPropertyException.class)
                .hasMessageContaining("server.address/server.port").hasMessageContaining("0..65535");
    }

    @Test
    void theMetricsAddressTakesAYamlFriendlyNameAndTheShippingIntervalIsCheckedInTheMaster() {
        Supervisor.Builder plain = of(Map.of("workerpool.metrics", "127.0.0.1:9464")).applyTo(builder());
        assertThat(plain).isNotNull();
        // workerpool.metrics.address beside workerpool.metrics.ship-interval: what YAML can express
        of(Map.of("workerpool.metrics.address", "127.0.0.1:9464", "workerpool.metrics.ship-interval", "5s"))
                .applyTo(builder());
        assertThatThrownBy(() -> of(Map.of("workerpool.metrics.address", "nowhere")).applyTo(builder()))
                .isInstanceOf(InvalidPoolPropertyException.class)
                .hasMessageStartingWith("workerpool.metrics.address is 'nowhere'");
        assertThatThrownBy(() -> of(Map.of("workerpool.metrics.ship-interval", "50ms")).applyTo(builder()))
                .isInstanceOf(InvalidPoolPropertyException.class)
                .hasMessage("workerpool.metrics.ship-interval is 'PT0.05S': the meters' shipping interval must be at"
                        + " least 100 ms");
        assertThatThrownBy(() -> of(Map.of("workerpool.metrics.ship-interval", "often")).applyTo(builder()))
                .isInstanceOf(InvalidPoolPropertyException.class)
                .hasMessageStartingWith("workerpool.metrics.ship-interval is 'often'").hasMessageContaining("duration");
    }

    private static Supervisor.Builder builder() {
        return Supervisor.builder(id -> {
            throw new AssertionError("no worker starts in this test");
        });
    }
}
