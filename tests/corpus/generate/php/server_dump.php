<?php
http_response_code(500);
header('Content-Type: text/plain');
echo "Unhandled error, request context:\n";
print_r($_SERVER);
