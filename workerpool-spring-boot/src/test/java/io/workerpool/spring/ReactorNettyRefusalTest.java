package io.workerpool.spring;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;

/**
 * A WebFlux application on Reactor Netty (spring-boot-starter-webflux's default server) cannot serve on the
 * pool's shared socket: its worker refuses to start, its context failing on one line that names the starters
 * that work, before Netty binds anything. In process: the customizer the worker's auto-configuration applies to
 * Spring Boot's Netty server factory.
 */
class ReactorNettyRefusalTest {
    @Test
    void reactorNettyIsRefusedWithOneLineNamingTheStartersThatWork() {
        NettyReactiveWebServerFactory factory = new NettyReactiveWebServerFactory(0);
        assertThatThrownBy(() -> new WorkerPoolAutoConfiguration.NettyRefused().workerPoolNettyRefusal()
                .customize(factory))
                .isInstanceOf(IllegalStateException.class)
                .hasNoCause()
                .hasMessageStartingWith("workerpool: Reactor Netty")
                .hasMessageContaining("spring-boot-starter-web (Tomcat)")
                .hasMessageContaining("spring-boot-starter-jetty")
                .hasMessageContaining("spring-boot-starter-webflux with spring-boot-starter-jetty or -tomcat")
                .hasMessageNotContaining("\n");
    }
}
