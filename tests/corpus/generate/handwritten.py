"""The only hand-written leaky cases: producers with no runtime on the machine
(.NET, SQL Server). Text follows the documented formats of .NET exception
ToString() and Microsoft.Data.SqlClient.SqlException; marked as hand-written."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpuslib import write  # noqa: E402

HW = "hand-written from documented format"
HOW = "generate/handwritten.py"

DOTNET = """System.NullReferenceException: Object reference not set to an instance of an object.
   at Shop.Api.Services.OrderService.GetTotalAsync(Int32 orderId) in C:\\src\\Shop.Api\\Services\\OrderService.cs:line 42
   at Shop.Api.Controllers.OrdersController.Get(Int32 id) in C:\\src\\Shop.Api\\Controllers\\OrdersController.cs:line 27
   at lambda_method5(Closure, Object)
   at Microsoft.AspNetCore.Mvc.Infrastructure.ActionMethodExecutor.AwaitableObjectResultExecutor.Execute(ActionContext actionContext, IActionResultTypeMapper mapper, ObjectMethodExecutor executor, Object controller, Object[] arguments)
   at Microsoft.AspNetCore.Mvc.Infrastructure.ControllerActionInvoker.<InvokeActionMethodAsync>g__Awaited|12_0(ControllerActionInvoker invoker, ValueTask`1 actionResultValueTask)
   at Microsoft.AspNetCore.Routing.EndpointMiddleware.<Invoke>g__AwaitRequestTask|7_0(Endpoint endpoint, Task requestTask, ILogger logger)
"""
write("leaky/stack_trace/dotnet_exception_tostring.txt", DOTNET, "leaky", "stack_trace", HW + " (.NET Exception.ToString())", HOW)
write("leaky/file_path/dotnet_iis_path_json.json", json.dumps({
    "type": "https://tools.ietf.org/html/rfc9110#section-15.6.1", "title": "An error occurred while processing your request.", "status": 500,
    "detail": "Could not find file 'C:\\\\inetpub\\\\wwwroot\\\\shop\\\\App_Data\\\\pricing.json'.",
    "exception": "System.IO.FileNotFoundException"}).replace("\\\\\\\\", "\\\\"), "leaky", "file_path", HW + " (ASP.NET Core ProblemDetails + FileNotFoundException message)", HOW)
SQLSRV = """Microsoft.Data.SqlClient.SqlException (0x80131904): Violation of UNIQUE KEY constraint 'UQ_Customers_Email'. Cannot insert duplicate key in object 'dbo.Customers'. The duplicate key value is (dup@example.com).
The statement has been terminated.
   at Microsoft.Data.SqlClient.SqlConnection.OnError(SqlException exception, Boolean breakConnection, Action`1 wrapCloseInAction)
   at Microsoft.Data.SqlClient.SqlCommand.ExecuteNonQuery()
   at Shop.Data.CustomerRepository.Insert(Customer c) in /src/Shop.Data/CustomerRepository.cs:line 58
ClientConnectionId:6f1c2a7e-3b4d-4e5f-8a9b-0c1d2e3f4a5b
Error Number:2627,State:1,Class:14
"""
write("leaky/database/sqlserver_sqlexception.txt", SQLSRV, "leaky", "database", HW + " (Microsoft.Data.SqlClient SqlException.ToString())", HOW)
