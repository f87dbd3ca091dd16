#include "typed/memory_pet_store.hpp"

#include <boost/json/object.hpp>

#include <algorithm>
#include <cctype>
#include <variant>

namespace petstore {

namespace {

Problem problem(int status, std::string title, std::string detail) {
  Problem p;
  p.status = status;
  p.title = std::move(title);
  p.detail = std::move(detail);
  return p;
}

}  // namespace

MemoryPetStore::MemoryPetStore() {
  Dog rex;
  rex.id = 1;
  rex.name = "Rex";
  rex.tag = "dog";
  rex.petType = "dog";
  rex.goodBoy = true;
  pets_.emplace(1, Pet{rex});
}

ListPetsResponse MemoryPetStore::listPets(const ListPetsRequest& request) {
  std::lock_guard lock(mutex_);
  std::vector<Pet> page;
  std::int64_t skipped = 0;
  for (const auto& [id, pet] : pets_) {
    if (request.tags && !has_tag(pet, *request.tags)) continue;
    if (skipped++ < request.offset) continue;
    if (static_cast<std::int64_t>(page.size()) == request.limit) break;
    page.push_back(pet);
  }
  return ListPetsResponse::ok(page);
}

CreatePetResponse MemoryPetStore::createPet(const CreatePetRequest& request) {
  std::lock_guard lock(mutex_);
  Cat cat;  // every new pet is a cat here
  cat.id = next_id_++;
  cat.name = request.body.name;
  cat.tag = request.body.tag;
  cat.petType = "cat";
  cat.indoor = request.body.age && *request.body.age > 10;
  pets_.emplace(cat.id, Pet{cat});
  return CreatePetResponse::created(Pet{cat}).set_location("/pets/" + std::to_string(cat.id));
}

GetPetResponse MemoryPetStore::getPet(const GetPetRequest& request) {
  std::lock_guard lock(mutex_);
  const auto it = pets_.find(request.id);
  if (it == pets_.end())
    return GetPetResponse::not_found(
        problem(404, "Not Found", "no pet " + std::to_string(request.id)));
  return GetPetResponse::ok(it->second);
}

GetUserResponse MemoryPetStore::getUser(const GetUserRequest& request) {
  if (request.user_id != "u1")
    return GetUserResponse::not_found(problem(404, "Not Found", "no user " + request.user_id));
  return GetUserResponse::ok(User{"u1", "Ada", "ada@example.com"});
}

DeleteUserResponse MemoryPetStore::deleteUser(const DeleteUserRequest&) {
  return DeleteUserResponse::no_content();
}

OptionsUserResponse MemoryPetStore::optionsUser(const OptionsUserRequest&) {
  return OptionsUserResponse::no_content().set_allow("GET, HEAD, OPTIONS, DELETE");
}

HeadUserResponse MemoryPetStore::headUser(const HeadUserRequest& request) {
  return HeadUserResponse::ok().set_x_user_exists(request.user_id == "u1");  // typed: a boolean
}

GetUserPostResponse MemoryPetStore::getUserPost(const GetUserPostRequest& request) {
  return GetUserPostResponse::ok(
      Post{request.user_id, request.post_id,
           "post " + std::to_string(request.post_id) + " of " + request.user_id});
}

GetItemResponse MemoryPetStore::getItem(const GetItemRequest& request) {
  return GetItemResponse::ok(Item{request.id, "Widget", 9.5});
}

PutItemResponse MemoryPetStore::putItem(const PutItemRequest& request) {
  Item item = request.body;
  item.id = request.id;  // the path names the item
  return request.id == "new" ? PutItemResponse::created(item) : PutItemResponse::ok(item);
}

boost::asio::awaitable<void> MemoryPetStore::streamEvents(const StreamEventsRequest&,
                                                          ::brrt::dispatch::EventStream& events) {
  for (int i = 1; i <= 3; ++i) {
    const std::string data = "{\"id\":" + std::to_string(i) + "}";
    if (!co_await events.send({.data = data, .event = "petAdopted", .id = std::to_string(i)}))
      co_return;
  }
}

boost::asio::awaitable<void> MemoryPetStore::wsEcho(const WsEchoRequest&,
                                                    ::brrt::dispatch::WebSocket& socket) {
  while (true) {
    const ::brrt::dispatch::WebSocketMessage m = co_await socket.read();
    if (m.kind != ::brrt::dispatch::WebSocketMessage::Kind::Text) co_return;
    std::string upper(m.data);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!co_await socket.send_text(upper)) co_return;
  }
}

DownloadFileResponse MemoryPetStore::downloadFile(const DownloadFileRequest& request) {
  return DownloadFileResponse::ok("bytes of " + request.id);
}

SubmitFormResponse MemoryPetStore::submitForm(const SubmitFormRequest& request) {
  boost::json::object echo;
  echo["name"] = request.body.name;
  if (request.body.age) echo["age"] = *request.body.age;
  if (request.body.subscribe) echo["subscribe"] = *request.body.subscribe;
  return SubmitFormResponse::ok(echo);
}

UploadFileResponse MemoryPetStore::uploadFile(const UploadFileRequest& request) {
  UploadFileResponse201 stored;
  for (const auto& f : request.context.files) {
    stored.filename = f.filename;
    stored.size = static_cast<std::int64_t>(f.size);
  }
  return UploadFileResponse::created(stored);
}

MatrixCoordsResponse MemoryPetStore::matrixCoords(const MatrixCoordsRequest& request) {
  boost::json::object o;
  o["sum"] = request.coords.x.value_or(0) + request.coords.y.value_or(0);
  return MatrixCoordsResponse::ok(o);
}

LabelColorsResponse MemoryPetStore::labelColors(const LabelColorsRequest& request) {
  std::vector<std::string> reversed(request.color.rbegin(), request.color.rend());
  return LabelColorsResponse::ok(reversed);
}

SearchResponse MemoryPetStore::search(const SearchRequest& request) {
  std::lock_guard lock(mutex_);
  std::vector<Pet> found;
  for (const auto& [id, pet] : pets_) {
    const bool by_id = !request.ids || std::find(request.ids->begin(), request.ids->end(), id) !=
                                           request.ids->end();
    const bool by_tag = !request.filter || !request.filter->tag ||
                        has_tag(pet, std::vector<std::string>{*request.filter->tag});
    if (by_id && by_tag) found.push_back(pet);
  }
  auto r = SearchResponse::ok(found);
  r.header("X-Query", request.q + "|" + request.X_Trace_Id.value_or("-") + "|" +
                          request.session.value_or("-"));
  return r;
}

GetSecureResponse MemoryPetStore::getSecure(const GetSecureRequest&) {
  return GetSecureResponse::ok(GetSecureResponse200{"s3cret"});
}

ReceiveWebhookResponse MemoryPetStore::receiveWebhook(const ReceiveWebhookRequest& request) {
  {
    std::lock_guard lock(mutex_);
    last_event_ = request.body;
  }
  return ReceiveWebhookResponse::accepted(ReceiveWebhookResponse202{true});
}

bool MemoryPetStore::has_tag(const Pet& pet, const std::vector<std::string>& tags) {
  const auto tag = std::visit([](const auto& p) { return p.tag; }, pet.value);
  return tag && std::find(tags.begin(), tags.end(), *tag) != tags.end();
}

Event MemoryPetStore::last_event() const {
  std::lock_guard lock(mutex_);
  return last_event_;
}

}  // namespace petstore
