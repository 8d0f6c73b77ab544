// JDK-only HTTP server (com.sun.net.httpserver) whose handlers put
// e.printStackTrace() / e.getMessage() into the body. Listens on 127.0.0.1:$PORT.
package com.acme.shop;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;

class OrderRepository {
    static final String URL = "jdbc:postgresql://db-primary.internal:5432/shop?user=shop_rw&password=s3cr3t-Pa55&ssl=false";

    Object findOrder(long id) {
        try {
            return DriverManager.getConnection(URL);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not open JDBC connection for order " + id, e);
        }
    }
}

class OrderService {
    private final OrderRepository repo = new OrderRepository();
    private Map<String, String> discounts;

    Object load(long id) { return repo.findOrder(id); }

    int quantity(String raw) { return Integer.parseInt(raw); }

    String discountFor(String code) { return discounts.get(code).toUpperCase(); }
}

public class LeakServer {
    static String trace(Throwable t) {
        StringWriter sw = new StringWriter();
        t.printStackTrace(new PrintWriter(sw));
        return sw.toString();
    }

    static void send(HttpExchange ex, int code, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream os = ex.getResponseBody()) { os.write(b); }
    }

    static String json(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
    }

    public static void main(String[] args) throws Exception {
        OrderService svc = new OrderService();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(System.getenv("PORT"))), 0);
        server.createContext("/orders", ex -> {
            try { svc.load(42); send(ex, 200, "text/plain", "ok"); }
            catch (RuntimeException e) { send(ex, 500, "text/plain; charset=utf-8", trace(e)); }
        });
        server.createContext("/orders.json", ex -> {
            try { svc.load(42); send(ex, 200, "text/plain", "ok"); }
            catch (RuntimeException e) { send(ex, 500, "application/json", "{\"error\":" + json(e.getMessage()) + ",\"cause\":" + json(e.getCause().getMessage()) + "}"); }
        });
        server.createContext("/cart", ex -> {
            try { svc.quantity("3 pcs"); send(ex, 200, "text/plain", "ok"); }
            catch (RuntimeException e) { send(ex, 500, "application/json", "{\"status\":500,\"error\":\"Internal Server Error\",\"trace\":" + json(trace(e)) + "}"); }
        });
        server.createContext("/discount", ex -> {
            try { svc.discountFor("SPRING24"); send(ex, 200, "text/plain", "ok"); }
            catch (RuntimeException e) { send(ex, 500, "text/plain; charset=utf-8", e.toString() + "\n" + trace(e)); }
        });
        server.createContext("/health", ex -> send(ex, 503, "application/json",
            "{\"status\":\"DOWN\",\"jvm\":" + json(System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")) + ",\"os\":" + json(System.getProperty("os.name") + " " + System.getProperty("os.version")) + "}"));
        server.start();
    }
}
