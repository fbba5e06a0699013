package io.multisite.controller;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class FailoverControllerApplication {

    public static void main(String[] args) {
        SpringApplication.run(FailoverControllerApplication.class, args);
    }
}
