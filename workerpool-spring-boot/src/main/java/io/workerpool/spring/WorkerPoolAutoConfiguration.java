package io.workerpool.spring;

import io.workerpool.Supervisor;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.jetty.ConfigurableJettyWebServerFactory;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * In a worker JVM of a pool, puts the embedded web server on the pool's shared socket instead of binding
 * {@code server.port}: the worker runtime has made that socket this JVM's {@link System#inheritedChannel()},
 * which Tomcat ({@code useInheritedChannel}) and Jetty ({@code inheritChannel}) take. Reactor Netty cannot take
 * it: the worker refuses to start with a line that says which starters work. Does nothing outside a pool's
 * worker JVM (a plain {@code SpringApplication.run}, tests, the AOT training JVM).
 */
@AutoConfiguration
@Conditional(WorkerPoolAutoConfiguration.InPoolWorker.class)
public class WorkerPoolAutoConfiguration {
    static final String STARTERS_THAT_WORK = "use spring-boot-starter-web (Tomcat) or spring-boot-starter-jetty,"
            + " for WebFlux too (spring-boot-starter-webflux with spring-boot-starter-jetty or -tomcat)";

    /** Creates the configuration; Spring Boot's auto-configuration does. */
    public WorkerPoolAutoConfiguration() {
    }

    /** Tomcat's connector takes the pool's socket, the JVM's inherited channel, instead of binding a port. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({Tomcat.class, ConfigurableTomcatWebServerFactory.class})
    static class TomcatOnPoolSocket {
        @Bean
        WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory> workerPoolTomcatCustomizer() {
            return factory -> factory.addConnectorCustomizers(connector -> {
                if (!connector.setProperty("useInheritedChannel", "true")) {
                    throw new IllegalStateException("workerpool: this Tomcat's connector ("
                            + connector.getProtocolHandlerClassName() + ") has no useInheritedChannel property: it"
                            + " cannot serve on the pool's socket; " + STARTERS_THAT_WORK);
                }
            });
        }
    }

    /** Jetty's connectors take the pool's socket, the JVM's inherited channel, instead of binding a port. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({Server.class, ConfigurableJettyWebServerFactory.class})
    static class JettyOnPoolSocket {
        @Bean
        WebServerFactoryCustomizer<ConfigurableJettyWebServerFactory> workerPoolJettyCustomizer() {
            return factory -> factory.addServerCustomizers(server -> {
                for (var connector : server.getConnectors()) {
                    if (connector instanceof ServerConnector serverConnector) {
                        serverConnector.setInheritChannel(true);
                    }
                }
            });
        }
    }

    /** Reactor Netty binds its own socket: refused, with the starters that work. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(NettyReactiveWebServerFactory.class)
    static class NettyRefused {
        @Bean
        WebServerFactoryCustomizer<NettyReactiveWebServerFactory> workerPoolNettyRefusal() {
            return factory -> {
                throw new IllegalStateException("workerpool: Reactor Netty (spring-boot-starter-webflux's default"
                        + " server) cannot serve on the pool's shared socket; " + STARTERS_THAT_WORK);
            };
        }
    }

    /** A worker JVM started by a pool's master, and not the JVM that trains its AOT cache. */
    static final class InPoolWorker implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return Supervisor.isWorkerProcess() && !"1".equals(System.getenv("WORKERPOOL_AOT_TRAINING"));
        }
    }
}
