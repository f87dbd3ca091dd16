#pragma once
// The pet store (examples/pet_store/openapi.yaml) implemented on the code `brrtrouter generate`
// makes from it (docs/codegen.md; built by examples/pet_store/CMakeLists.txt): pets, users and
// items in memory, every operation typed. What a team writes once the generated class exists;
// served by tests/codegen/pet_store_service_test.cpp and fuzz/typed_service.cpp.
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "pet_store.hpp"

namespace petstore {

class MemoryPetStore final : public PetStoreHandlers {
 public:
  MemoryPetStore();
  ListPetsResponse listPets(const ListPetsRequest& request) override;
  CreatePetResponse createPet(const CreatePetRequest& request) override;
  GetPetResponse getPet(const GetPetRequest& request) override;
  GetUserResponse getUser(const GetUserRequest& request) override;
  DeleteUserResponse deleteUser(const DeleteUserRequest&) override;
  OptionsUserResponse optionsUser(const OptionsUserRequest&) override;
  HeadUserResponse headUser(const HeadUserRequest& request) override;
  GetUserPostResponse getUserPost(const GetUserPostRequest& request) override;
  GetItemResponse getItem(const GetItemRequest& request) override;
  PutItemResponse putItem(const PutItemRequest& request) override;
  boost::asio::awaitable<void> streamEvents(const StreamEventsRequest&,
                                            ::brrt::dispatch::EventStream& events) override;
  // Each text message back in capitals, until the client closes.
  boost::asio::awaitable<void> wsEcho(const WsEchoRequest&,
                                      ::brrt::dispatch::WebSocket& socket) override;
  DownloadFileResponse downloadFile(const DownloadFileRequest& request) override;
  SubmitFormResponse submitForm(const SubmitFormRequest& request) override;
  UploadFileResponse uploadFile(const UploadFileRequest& request) override;
  MatrixCoordsResponse matrixCoords(const MatrixCoordsRequest& request) override;
  LabelColorsResponse labelColors(const LabelColorsRequest& request) override;
  SearchResponse search(const SearchRequest& request) override;
  GetSecureResponse getSecure(const GetSecureRequest&) override;
  ReceiveWebhookResponse receiveWebhook(const ReceiveWebhookRequest& request) override;

  // The last event POST /webhooks received.
  Event last_event() const;

 private:
  static bool has_tag(const Pet& pet, const std::vector<std::string>& tags);

  mutable std::mutex mutex_;  // handlers run on every worker thread
  std::map<std::int64_t, Pet> pets_;
  std::int64_t next_id_ = 100;
  Event last_event_;
};

}  // namespace petstore
