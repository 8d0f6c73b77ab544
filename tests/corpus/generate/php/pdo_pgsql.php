<?php
header('Content-Type: application/json');
try {
    $db = new PDO('pgsql:host=127.0.0.1;port=55432;dbname=shop', 'corpus', 'corpus', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
    $st = $db->prepare('INSERT INTO customers (email) VALUES (?)');
    $st->execute(['dup@example.com']);
} catch (PDOException $e) {
    http_response_code(500);
    echo json_encode(['message' => $e->getMessage(), 'trace' => $e->getTraceAsString()]);
}
